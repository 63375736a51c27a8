// A loopback HTTP proxy in front of moto that appends the KMS operation of
// every request (X-Amz-Target) to a log file, as test/helpers/proxy.ts counts
// them. Its own process, so that a benchmark can time the CLI with spawnSync.
//
//   node bench/lib/proxy.mjs <moto endpoint> <log file>   (prints its port)
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';

const [target, log] = process.argv.slice(2);
const upstream = new URL(target);
writeFileSync(log, '');
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    appendFileSync(log, String(req.headers['x-amz-target'] ?? 'unknown').replace(/^TrentService\./, '') + '\n');
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    out.end(Buffer.concat(chunks));
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.on('SIGTERM', () => process.exit(0));
