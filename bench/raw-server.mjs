// The "raw" baseline: reads and discards bytes, answering one reply per newline so pipelined
// clients finish. The ceiling of loopback + Node's socket path (and a check on the client).
// Usage: node bench/raw-server.mjs → prints "listening <port>".
import net from 'node:net';

const REPLY = 'Device measurements recorded\n';

const server = net.createServer((socket) => {
  socket.on('data', (chunk) => {
    let lines = 0;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    if (lines > 0) socket.write(REPLY.repeat(lines));
  });
  socket.on('error', () => {});
});

server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
