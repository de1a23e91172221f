// Asks the portal's health route and shows the answer.
fetch("/api/health")
  .then((response) => response.json())
  .then((health) => {
    const status = document.getElementById("status");
    status.textContent = `${health.service}: ${health.status}`;
    status.dataset.status = health.status;
    document.getElementById("env").textContent = health.env;
  });
