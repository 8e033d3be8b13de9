import 'reflect-metadata';
import { loadConfig } from './config';
import { createApp } from './app/create-app';
import { Lifecycle } from './app/lifecycle';
import { embeddedSecrets } from './app/embedded-secrets';

async function main(): Promise<void> {
  const config = embeddedSecrets(loadConfig());
  // Production answers /health while it starts (a large log never makes it look dead); embedded opens when ready.
  const app = await createApp(config, { returnBeforeStarted: config.profile === 'production' });
  await app.listen(config.port, config.host);
  app.get(Lifecycle).started.catch((error: unknown) => {
    process.stderr.write(`failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
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
