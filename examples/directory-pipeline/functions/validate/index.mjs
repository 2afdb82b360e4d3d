/**
 * Validate: cleans what the scraper read from one studio's page. An artist needs a name (letters,
 * not a note such as "Guest Spot (ask us)") and an Instagram handle that is one; styles are
 * lower-cased and deduplicated, the handle normalised to "@name". What is dropped is answered
 * too, with the reason, so a run says how much of a page it kept.
 *
 * Event: { studio, artists }. Result: { studio, artists, rejected: [{ entry, reason }] }.
 */
const NAME = /^[\p{L}][\p{L} .'-]{0,80}$/u;
const HANDLE = /^@?([a-z0-9._]{1,30})$/i;

export const handler = async (event) => {
  const artists = [];
  const rejected = [];
  const seen = new Set();
  for (const a of event?.artists ?? []) {
    const name = String(a?.name ?? '')
      .replace(/\s+/g, ' ')
      .trim();
    const handle = HANDLE.exec(String(a?.instagram ?? '').trim());
    if (!name) rejected.push({ entry: a, reason: 'no name' });
    else if (!NAME.test(name)) rejected.push({ entry: a, reason: 'not a name' });
    else if (!handle) rejected.push({ entry: a, reason: 'no valid instagram handle' });
    else if (seen.has(name.toLowerCase())) rejected.push({ entry: a, reason: 'listed twice' });
    else {
      seen.add(name.toLowerCase());
      const styles = [...new Set((a.styles ?? []).map((s) => String(s).toLowerCase().trim()).filter(Boolean))];
      artists.push({ name, styles, instagram: `@${handle[1].toLowerCase()}` });
    }
  }
  return { studio: event.studio, artists, rejected };
};
