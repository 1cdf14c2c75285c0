/**
 * Plain HTTP shaped exactly like the DeepRails SDK's calls (api.md §7.3: TypeScript
 * `client.monitor.{create, retrieve, update, submitEvent, retrieveEvent}` and `client.files.upload`),
 * since the SDK itself is not on the npm registry this project reaches.
 */
export interface DeepRailsResponse {
  status: number;
  body: any;
  headers: Headers;
}

export function deepRailsClient(baseURL: string, apiKey: string) {
  const call = async (method: string, path: string, body?: unknown): Promise<DeepRailsResponse> => {
    const res = await fetch(`${baseURL}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  return {
    call,
    create: (body: unknown) => call('POST', '/monitor', body),
    retrieve: (id: string, limit?: number) => call('GET', `/monitor/${id}${limit === undefined ? '' : `?limit=${limit}`}`),
    update: (id: string, body: unknown) => call('PUT', `/monitor/${id}`, body),
    submitEvent: (id: string, body: unknown) => call('POST', `/monitor/${id}/events`, body),
    retrieveEvent: (monitorId: string, eventId: string) => call('GET', `/monitor/${monitorId}/events/${eventId}`),
    async upload(files: { name: string; type: string; content: string }[]): Promise<DeepRailsResponse> {
      const form = new FormData();
      for (const f of files) form.append('files', new Blob([f.content], { type: f.type }), f.name);
      const res = await fetch(`${baseURL}/files/upload`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` }, body: form });
      return { status: res.status, body: await res.json(), headers: res.headers };
    },
  };
}
