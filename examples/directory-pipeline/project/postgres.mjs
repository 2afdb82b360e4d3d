/**
 * The directory on PostgreSQL with full-text search, the scale-out shape's backend: the same
 * tables as sqlite.mjs in the database DATABASE_URL names (a Hangar secret given to the task),
 * and a search index that is a table of `tsvector` documents with a GIN index, rebuilt by
 * index(). directory.mjs picks this backend when DATABASE_URL is set.
 *
 * Words are indexed as FTS5's `unicode61 remove_diacritics 2` tokenizer indexes them: lower
 * case, accents removed (the `unaccent` extension in a text search configuration of our own,
 * "directory"; without that extension — not installed, no right to create it — accented letters
 * stay apart, and the rest works), no stemming (the "simple" dictionary): "mara" finds Mara and
 * Mára, not Marais. Queries are FTS5's syntax read by websearch_to_tsquery (see tsQuery).
 *
 * Inside the sandbox the task reaches PostgreSQL through Hangar's egress proxy (tunnel.mjs);
 * outside it (the tests), directly.
 */
import pg from 'pg';
import { tunnel } from './tunnel.mjs';

/** Runs once per connection, under a lock: tasks of two executions may start at once. */
const SCHEMA = `
  SELECT pg_advisory_xact_lock(hashtext('directory-pipeline schema'));
  CREATE TABLE IF NOT EXISTS studios (
    id text PRIMARY KEY,
    name text NOT NULL,
    address text,
    website text,
    scraped_at timestamptz NOT NULL,
    execution text
  );
  CREATE TABLE IF NOT EXISTS artists (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    studio_id text NOT NULL REFERENCES studios (id) ON DELETE CASCADE,
    name text NOT NULL,
    styles text NOT NULL,
    instagram text NOT NULL,
    UNIQUE (studio_id, name)
  );
  CREATE TABLE IF NOT EXISTS dead_letters (
    studio_id text PRIMARY KEY,
    studio jsonb NOT NULL,
    error text NOT NULL,
    cause text,
    execution text,
    failures integer NOT NULL DEFAULT 1,
    first_failed_at timestamptz NOT NULL,
    last_failed_at timestamptz NOT NULL
  );
  DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'directory' AND cfgnamespace = current_schema()::regnamespace) THEN
      CREATE TEXT SEARCH CONFIGURATION directory (COPY = simple);
      BEGIN
        CREATE EXTENSION IF NOT EXISTS unaccent;
        ALTER TEXT SEARCH CONFIGURATION directory ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
      EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'directory: no unaccent (%), accented letters are searched as written', SQLERRM;
      END;
    END IF;
  END $$;
  CREATE TABLE IF NOT EXISTS artists_search (
    artist_id bigint PRIMARY KEY REFERENCES artists (id) ON DELETE CASCADE,
    document tsvector NOT NULL
  );
  CREATE INDEX IF NOT EXISTS artists_search_document ON artists_search USING gin (document);
`;

async function connect() {
  const url = process.env.DATABASE_URL;
  const proxy = process.env.HTTPS_PROXY || process.env.https_proxy || process.env.HTTP_PROXY || process.env.http_proxy;
  let stream;
  if (proxy) {
    const { hostname, port } = new URL(url);
    stream = await tunnel(proxy, hostname.replace(/^\[|\]$/g, ''), Number(port || 5432));
    // pg calls connect(port, host) on the stream it is given and waits for 'connect'; the
    // tunnel is connected already, so connect() only says so, and lets the paused socket flow
    // once pg has put its listeners on (it does so right after calling connect()).
    stream.connect = () => {
      process.nextTick(() => {
        stream.emit('connect');
        stream.resume();
      });
      return stream;
    };
  }
  const client = new pg.Client({ connectionString: url, ...(stream ? { stream } : {}) });
  await client.connect();
  await client.query(`BEGIN; ${SCHEMA} COMMIT;`);
  return client;
}

async function inTransaction(client, work) {
  await client.query('BEGIN');
  try {
    const out = await work();
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

const UPSERT_STUDIO = `
  INSERT INTO studios (id, name, address, website, scraped_at, execution) VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address, website = excluded.website,
    scraped_at = excluded.scraped_at, execution = excluded.execution`;
const CLEAR_ARTISTS = 'DELETE FROM artists WHERE studio_id = $1';
const ADD_ARTIST = 'INSERT INTO artists (studio_id, name, styles, instagram) VALUES ($1, $2, $3, $4)';
const RESOLVED = 'DELETE FROM dead_letters WHERE studio_id = $1';
const DEAD_LETTER = `
  INSERT INTO dead_letters (studio_id, studio, error, cause, execution, failures, first_failed_at, last_failed_at)
  VALUES ($1, $2, $3, $4, $5, 1, $6, $6)
  ON CONFLICT (studio_id) DO UPDATE SET studio = excluded.studio, error = excluded.error, cause = excluded.cause,
    execution = excluded.execution, failures = dead_letters.failures + 1, last_failed_at = excluded.last_failed_at`;

/** The Map's results into the tables, in one transaction (see store.mjs). */
export async function store(results, execution, now) {
  const client = await connect();
  try {
    return await inTransaction(client, async () => {
      let stored = 0;
      let artists = 0;
      let dead = 0;
      for (const r of results) {
        if (r.deadLetter) {
          const s = r.deadLetter.studio;
          await client.query(DEAD_LETTER, [s.id, JSON.stringify(s), r.deadLetter.error, r.deadLetter.cause ?? null, execution, now]);
          dead++;
          continue;
        }
        const s = r.studio;
        await client.query(UPSERT_STUDIO, [s.id, s.name, s.address ?? null, s.website ?? null, now, execution]);
        await client.query(CLEAR_ARTISTS, [s.id]);
        for (const a of r.artists) await client.query(ADD_ARTIST, [s.id, a.name, a.styles.join(', '), a.instagram]);
        await client.query(RESOLVED, [s.id]);
        stored++;
        artists += r.artists.length;
      }
      return { stored, artists, deadLetters: dead };
    });
  } finally {
    await client.end();
  }
}

/** One document per artist, weighted as a search ranks them: name, styles, studio, address. */
const REBUILD_INDEX = `
  INSERT INTO artists_search (artist_id, document)
  SELECT a.id,
    setweight(to_tsvector('directory', a.name), 'A') || setweight(to_tsvector('directory', a.styles), 'B') ||
    setweight(to_tsvector('directory', s.name), 'C') || setweight(to_tsvector('directory', coalesce(s.address, '')), 'D')
  FROM artists a JOIN studios s ON s.id = a.studio_id`;

/** Rebuilds the search index from the artists table (see index.mjs). */
export async function index() {
  const client = await connect();
  try {
    const indexed = await inTransaction(client, async () => {
      await client.query('DELETE FROM artists_search');
      return (await client.query(REBUILD_INDEX)).rowCount;
    });
    return { indexed };
  } finally {
    await client.end();
  }
}

/**
 * An FTS5 query as websearch_to_tsquery reads it: both take words (all must match), "phrases"
 * and OR; FTS5's AND is what websearch does between words anyway, and its NOT is websearch's
 * leading "-". Inside quotes nothing changes.
 */
export function tsQuery(fts5) {
  return fts5
    .split('"')
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/\bAND\b/g, ' ').replace(/\bNOT\s+/g, ' -')))
    .join('"');
}

const FIND = `
  SELECT a.name, a.styles, a.instagram, s.id AS "studioId", s.name AS studio
  FROM artists_search f JOIN artists a ON a.id = f.artist_id JOIN studios s ON s.id = a.studio_id,
    websearch_to_tsquery('directory', $1) q
  WHERE f.document @@ q ORDER BY ts_rank(f.document, q) DESC, a.name LIMIT 50`;
const DEAD_LETTERS = `
  SELECT studio_id AS "studioId", studio, error, cause, failures, execution, last_failed_at AS "lastFailedAt"
  FROM dead_letters ORDER BY studio_id`;
const COUNTS = `
  SELECT (SELECT count(*) FROM studios)::int AS studios, (SELECT count(*) FROM artists)::int AS artists,
    (SELECT count(*) FROM artists_search)::int AS indexed`;

/** Each query's artists (best first), the dead-letter queue and the counts, the index's documents too (see search.mjs). */
export async function search(queries) {
  const client = await connect();
  try {
    const searches = {};
    for (const q of queries) searches[q] = (await client.query(FIND, [tsQuery(q)])).rows;
    const deadLetters = (await client.query(DEAD_LETTERS)).rows.map((r) => ({ ...r, lastFailedAt: r.lastFailedAt.toISOString() }));
    const { studios, artists, indexed } = (await client.query(COUNTS)).rows[0];
    return { searches, deadLetters, counts: { studios, artists, deadLetters: deadLetters.length, indexed } };
  } finally {
    await client.end();
  }
}
