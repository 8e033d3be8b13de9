import 'reflect-metadata';
import { loadConfig } from './config';
import { createApp } from './app/create-app';
import { embeddedSecrets } from './app/embedded-secrets';

async function main(): Promise<void> {
  const config = embeddedSecrets(loadConfig());
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const url = `http://localhost:${config.port}`;
  process.stdout.write(
    JSON.stringify({
      level: 30,
      time: Date.now(),
      msg: `listening on ${url} (profile ${config.profile}, event store ${config.eventStore.kind})`,
      adminKey: config.adminKeyGenerated ? config.adminKey : undefined,
      docs: `${url}/docs`,
    }) + '\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
