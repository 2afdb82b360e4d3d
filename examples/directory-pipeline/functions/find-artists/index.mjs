/**
 * Find artists: fetches one studio's website and reads the artists it lists. Seed 001 gives the
 * scraper 1 GB and 15 minutes; a site that answers with an error or not at all throws, named, so
 * that the workflow's Retry and Catch can tell what happened:
 *   SiteUnavailable  5xx, or no answer in time: worth retrying (and counted by the breaker)
 *   SiteNotFound     4xx: retrying will not help
 *
 * Event: { "studio": { id, name, address, website } }. Result: { studio, artists: [{ name, styles, instagram }] }.
 */
class SiteUnavailable extends Error {
  name = 'SiteUnavailable';
}
class SiteNotFound extends Error {
  name = 'SiteNotFound';
}

const decode = (s) =>
  s
    .replace(/<[^>]*>/g, '')
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .trim();

/** Each `<article class="artist">` of the page: its name, styles and Instagram handle, as written. */
export function parseArtists(html) {
  const artists = [];
  for (const m of html.matchAll(/<article class="artist">([\s\S]*?)<\/article>/g)) {
    const part = m[1];
    const field = (cls, tag) => {
      const f = new RegExp(`<${tag} class="${cls}"[^>]*>([\\s\\S]*?)</${tag}>`).exec(part);
      return f ? decode(f[1]) : '';
    };
    artists.push({
      name: field('artist-name', 'h2'),
      styles: field('styles', 'p')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      instagram: field('instagram', 'a'),
    });
  }
  return artists;
}

export const handler = async (event) => {
  // A warm-up call (deploy makes ten at once, the Map's concurrency): start, answer, nothing else.
  if (event?.warmup) return { warm: true };
  const studio = event?.studio;
  if (!studio?.website) throw new TypeError('event.studio.website is required');
  let res;
  try {
    res = await fetch(studio.website, { signal: AbortSignal.timeout(Number(process.env.FETCH_TIMEOUT_MS ?? 20_000)) });
  } catch (e) {
    throw new SiteUnavailable(`${studio.website}: ${e.cause?.code ?? e.name}: ${e.message}`);
  }
  if (res.status >= 500) throw new SiteUnavailable(`${studio.website}: HTTP ${res.status}`);
  if (!res.ok) throw new SiteNotFound(`${studio.website}: HTTP ${res.status}`);
  const artists = parseArtists(await res.text());
  console.log(`${studio.id}: ${artists.length} entries`);
  return { studio, artists };
};
