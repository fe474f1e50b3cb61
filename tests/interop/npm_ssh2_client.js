// npm ssh2 as a client for tests/interop/npm_ssh2.sh:
//   node npm_ssh2_client.js HOST PORT USER PRIVATE_KEY COMMAND
// Runs COMMAND with our stdin as its input, its stdout/stderr on ours, and exits with its exit
// status (255 when the connection fails, 253 when no exit status came). The host key is not
// checked: the test's own server is on 127.0.0.1.
'use strict';
const fs = require('fs');
const { Client } = require('ssh2');

const [host, port, username, keyPath, command] = process.argv.slice(2);
const conn = new Client();
let status = 253;

conn.on('ready', () => {
  conn.exec(command, (err, stream) => {
    if (err) {
      process.stderr.write(`ssh2 client: exec: ${err.message}\n`);
      process.exitCode = 254;
      conn.end();
      return;
    }
    stream.on('exit', (code, signal) => {
      status = code === null || code === undefined ? 252 : code;
    });
    stream.on('close', () => {
      process.exitCode = status;
      conn.end();
    });
    stream.pipe(process.stdout);
    stream.stderr.pipe(process.stderr);
    process.stdin.pipe(stream);
  });
});
conn.on('error', (e) => {
  process.stderr.write(`ssh2 client: ${e.message}\n`);
  process.exit(255);
});
conn.connect({
  host,
  port: Number(port),
  username,
  privateKey: fs.readFileSync(keyPath),
  hostVerifier: () => true,
  readyTimeout: 30000,
});
