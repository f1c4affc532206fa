// A local HTTP server for the fetch-js check, run as a child process: it
// sends its port to the parent and serves until killed.
import http from 'node:http';

const server = http.createServer((request, response) => {
  if (request.url === '/missing') {
    response.writeHead(404, 'Not Found', { 'content-type': 'text/plain' });
    response.end('not here');
    return;
  }
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end(`hello from ${request.url}`);
});

server.listen(0, '127.0.0.1', () => process.send(server.address().port));
process.on('disconnect', () => process.exit(0));
