/**
 * The orchestrator's HTTP control endpoint on 127.0.0.1, called by the scenarios inside VS Code (CORS open for
 * VS Code's web worker). Each route is one POST with a JSON body and a JSON answer.
 */
import { createServer, type IncomingMessage } from 'node:http';

export type Route = (body: Record<string, unknown>) => Promise<unknown>;

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function listenControl(routes: Record<string, Route>): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    response.setHeader('access-control-allow-origin', '*');
    response.setHeader('access-control-allow-headers', 'content-type');
    const answer = (status: number, value: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value ?? null));
    };
    if (request.method === 'OPTIONS') return answer(204, null);
    const route = request.method === 'POST' ? routes[request.url ?? ''] : undefined;
    if (!route) return answer(404, { error: `no route ${request.method} ${request.url}` });
    readJson(request)
      .then(route)
      .then(
        (value) => answer(200, value),
        (error: unknown) => answer(500, { error: error instanceof Error ? error.message : String(error) }),
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no control port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
