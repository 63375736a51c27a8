import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A loopback HTTP proxy in front of moto: counts KMS operations (by the
 * X-Amz-Target header) and injects faults, to prove call counts, retries and
 * fail-closed behaviour against the real server.
 */
export type Fault =
  | { kind: 'throttle' } // 400 ThrottlingException, which the SDK retries
  | { kind: 'error500' }
  | { kind: 'delay'; ms: number }
  | { kind: 'reset' } // destroy the connection without an answer
  | { kind: 'deny' }; // 400 AccessDeniedException

export interface KmsProxy {
  endpoint: string;
  /** Operation name (Encrypt, Decrypt, DescribeKey...) -> requests seen, faulted or not. */
  calls: Map<string, number>;
  total(): number;
  reset(): void;
  /** Decides a fault for the n-th request (1-based) of an operation; undefined passes it through. */
  setFault(decide: ((operation: string, n: number) => Fault | undefined) | undefined): void;
  close(): Promise<void>;
}

export async function startKmsProxy(target: string): Promise<KmsProxy> {
  const calls = new Map<string, number>();
  let seen = 0;
  let decide: ((operation: string, n: number) => Fault | undefined) | undefined;
  const sockets = new Set<import('node:net').Socket>();
  const upstream = new URL(target);

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? 'unknown').replace(/^TrentService\./, '');
      calls.set(operation, (calls.get(operation) ?? 0) + 1);
      seen++;
      const fault = decide?.(operation, seen);
      const forward = () => {
        const out = request(
          { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        out.on('error', () => res.destroy());
        out.end(Buffer.concat(chunks));
      };
      if (!fault) return forward();
      switch (fault.kind) {
        case 'throttle':
          return sendError(res, 400, 'ThrottlingException', 'Rate exceeded');
        case 'deny':
          return sendError(res, 400, 'AccessDeniedException', 'denied by the test proxy');
        case 'error500':
          return sendError(res, 500, 'KMSInternalException', 'injected');
        case 'reset':
          return req.socket.destroy();
        case 'delay': {
          const timer = setTimeout(forward, fault.ms);
          res.on('close', () => clearTimeout(timer));
          return;
        }
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    total: () => [...calls.values()].reduce((a, b) => a + b, 0),
    reset: () => {
      calls.clear();
      seen = 0;
    },
    setFault: (d) => {
      decide = d;
      seen = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function sendError(res: ServerResponse, status: number, type: string, message: string) {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ __type: type, message }));
}
