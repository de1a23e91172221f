# The FractalOps runtime image: API and worker (one image, two commands).
# Built by image_build("runtime") with the build plane's tag and cache scope.
# PYTHON_IMAGE: the base image (the local site builds FROM scratch).
ARG PYTHON_IMAGE=python:3.11-slim
FROM ${PYTHON_IMAGE} AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

FROM base AS runtime
COPY src/ /app/src/
ENV PYTHONPATH=/app/src
EXPOSE 8000
USER 65534:65534
CMD ["python", "-m", "fractalops.api"]
