// The project tests again with HANGAR_EXECUTOR=process: files go in and out of a host workspace
// instead of the sandbox's own tmpfs.
process.env.HANGAR_TEST_EXECUTOR = 'process';
await import('./projects.test.ts');
