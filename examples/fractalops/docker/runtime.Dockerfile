# The FractalOps runtime image: API and worker (one image, two commands).
# Built by image_build("runtime") with the build plane's tag and cache scope.
ARG PYTHON_VERSION=3.11
FROM python:${PYTHON_VERSION}-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

FROM base AS runtime
COPY src/ /app/src/
ENV PYTHONPATH=/app/src
EXPOSE 8000
USER 65534:65534
CMD ["python", "-m", "fractalops.api"]
