// The "floor" baseline: what a plain Node server does for each line with no storage at all.
// Splits lines, turns each into a string and JSON.parses it, replies like rex to a device line.
// Usage: node bench/floor-server.mjs → prints "listening <port>" (a fresh port from the OS).
import net from 'node:net';

const REPLY = 'Device measurements recorded\n';

const server = net.createServer((socket) => {
  // Chunks of the line in progress; joined once the newline arrives (no quadratic re-scanning).
  let pending = [];
  socket.on('data', (chunk) => {
    let start = 0;
    for (let newline = chunk.indexOf(10, start); newline !== -1; newline = chunk.indexOf(10, start)) {
      pending.push(chunk.subarray(start, newline));
      const text = (pending.length === 1 ? pending[0] : Buffer.concat(pending)).toString('utf8').trim();
      pending = [];
      start = newline + 1;
      if (text === '') continue;
      JSON.parse(text);
      socket.write(REPLY);
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  });
  socket.on('error', () => {});
});

server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
