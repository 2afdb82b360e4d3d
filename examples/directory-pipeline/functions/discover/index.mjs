/**
 * Discover studios: asks the maps API for tattoo studios in a city (every page) and answers with
 * the ones that have a website — the items the pipeline's Map goes over. As on AWS, a Lambda
 * handler; the API's base URL comes from the environment and its key from a Hangar secret.
 *
 * Event: { "city": "berlin" }. Result: { "city", "studios": [{ id, name, address, website }] }.
 */
class MapsApiError extends Error {
  name = 'MapsApiError';
}

export const handler = async (event) => {
  const city = String(event?.city ?? '').trim();
  if (!city) throw new TypeError('event.city is required');
  const base = process.env.MAPS_API_URL;
  const key = process.env.MAPS_API_KEY;
  const studios = [];
  let token = null;
  do {
    const q = new URLSearchParams({ query: `tattoo studio in ${city}`, key });
    if (token) q.set('pagetoken', token);
    const res = await fetch(`${base}/maps/api/place/textsearch/json?${q}`, { signal: AbortSignal.timeout(10_000) });
    const body = await res.json().catch(() => ({}));
    if (!res.ok || (body.status !== 'OK' && body.status !== 'ZERO_RESULTS'))
      throw new MapsApiError(`maps API: HTTP ${res.status} ${body.status ?? ''} ${body.error_message ?? ''}`.trim());
    for (const r of body.results ?? []) {
      if (r.website) studios.push({ id: r.place_id, name: r.name, address: r.formatted_address, website: r.website });
    }
    token = body.next_page_token ?? null;
  } while (token);
  console.log(`discovered ${studios.length} studios in ${city}`);
  return { city, studios };
};
