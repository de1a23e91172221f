// A minimal portal for the example: / and /healthz answer 200.
const http = require("http");

const port = Number(process.env.PORT || 8080);
http
  .createServer((req, res) => {
    if (req.url === "/" || req.url === "/healthz") {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("fractalops portal\n");
    } else {
      res.writeHead(404);
      res.end();
    }
  })
  .listen(port, "0.0.0.0");
