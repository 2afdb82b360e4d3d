/**
 * Runs s3rver (an S3-protocol server) in its own process and prints `port=<n>` once it listens.
 * Started with --openssl-legacy-provider: s3rver signs list continuation tokens with DES,
 * which OpenSSL 3 keeps in its legacy provider.
 * Usage: node --openssl-legacy-provider examples/shared/s3rver.ts <directory> <bucket> [address]
 */
import S3rver from 's3rver';

const [directory, bucket, address = '127.0.0.1'] = process.argv.slice(2);
const server = new S3rver({ address, port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
process.stdout.write(`port=${port}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
