// npm ssh2 as a server for tests/interop/npm_ssh2.sh:
//   node npm_ssh2_server.js PORT HOST_KEY AUTHORIZED_PUBLIC_KEY
// Listens on 127.0.0.1:PORT, lets in whoever proves they hold AUTHORIZED_PUBLIC_KEY (any user
// name), and runs each "exec" request as /bin/sh -c COMMAND: channel data to its stdin, its
// stdout/stderr back as data/extended data, then exit-status, EOF and close. Prints
// "listening" once ready.
'use strict';
const fs = require('fs');
const { spawn } = require('child_process');
const { timingSafeEqual } = require('crypto');
const { Server, utils } = require('ssh2');

const [port, hostKeyPath, authorizedPath] = process.argv.slice(2);
const allowed = utils.parseKey(fs.readFileSync(authorizedPath));
if (allowed instanceof Error) throw allowed;

function sameKey(ctx) {
  const want = allowed.getPublicSSH();
  return ctx.key.algo === allowed.type && ctx.key.data.length === want.length &&
    timingSafeEqual(ctx.key.data, want);
}

function runExec(stream, command) {
  const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
  stream.pipe(child.stdin);
  child.stdin.on('error', () => {}); // the command may exit before reading everything
  child.stdout.pipe(stream, { end: false });
  child.stderr.pipe(stream.stderr, { end: false });
  child.on('close', (code, signal) => {
    if (signal) stream.exit(signal.replace(/^SIG/, ''), false, '');
    else stream.exit(code);
    stream.end();
  });
}

new Server({ hostKeys: [fs.readFileSync(hostKeyPath)] }, (client) => {
  client.on('authentication', (ctx) => {
    if (ctx.method !== 'publickey' || !sameKey(ctx)) return ctx.reject(['publickey']);
    if (ctx.signature && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true)
      return ctx.reject(['publickey']);
    ctx.accept();
  });
  client.on('ready', () => {
    client.on('session', (accept) => {
      const session = accept();
      session.on('exec', (acceptExec, reject, info) => runExec(acceptExec(), info.command));
    });
  });
  client.on('error', (e) => process.stderr.write(`ssh2 server: client error: ${e.message}\n`));
}).listen(Number(port), '127.0.0.1', () => console.log('listening'));
