// The FractalOps portal: the web UI in public/ and its health routes.
// PORT and HOST say where it listens (the image sets PORT=8080; the
// cluster's Service sends port 80 there).
const fs = require("fs");
const http = require("http");
const path = require("path");

const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || "0.0.0.0";
const env = process.env.FRACTALOPS_ENV || "dev";
const root = path.join(__dirname, "public");
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css" };

function send(res, status, type, body) {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

http
  .createServer((req, res) => {
    const url = new URL(req.url, "http://portal");
    if (url.pathname === "/healthz" || url.pathname === "/api/health") {
      send(res, 200, "application/json", JSON.stringify({ status: "ok", service: "portal", env }));
      return;
    }
    const name = url.pathname === "/" ? "index.html" : url.pathname.slice(1);
    if (!/^[\w-]+\.(html|js|css)$/.test(name)) {
      send(res, 404, "text/plain", "not found\n");
      return;
    }
    fs.readFile(path.join(root, name), (err, data) => {
      if (err) send(res, 404, "text/plain", "not found\n");
      else send(res, 200, types[path.extname(name)], data);
    });
  })
  .listen(port, host, () => console.log(`fractalops portal on http://${host}:${port}/`));
