import { SCENARIOS } from './scenarios';
import { RunOptions } from './scenario';

export type Args = RunOptions & {
  scenario: string;
  profile: 'embedded' | 'production';
  /** A service you started yourself (ADMIN_KEY from the environment); otherwise the runner starts one. */
  url?: string;
  reportDir: string;
};

export const USAGE = `usage: npm run load -- <scenario> [--vus N] [--duration S] [--seats N] [--users N] [--profile embedded|production]
                         [--url URL] [--report-dir DIR]
scenarios:
${Object.values(SCENARIOS)
  .map((s) => `  ${s.name.padEnd(12)} ${s.about} (default ${s.defaults.vus} VUs, ${s.defaults.duration} s)`)
  .join('\n')}`;

function positive(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} wants a positive whole number, not ${value}`);
  return n;
}

/** 90, 90s or 2m, as k6 writes durations. */
function seconds(value: string): number {
  const match = /^(\d+)(s|m)?$/.exec(value);
  if (!match || Number(match[1]) === 0) throw new Error(`--duration wants seconds (90, 90s or 2m), not ${value}`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

export function parseArgs(argv: readonly string[]): Args {
  const [scenario, ...rest] = argv;
  if (!scenario || !SCENARIOS[scenario]) throw new Error(scenario ? `unknown scenario ${scenario}` : 'which scenario?');
  const args: Args = { scenario, ...SCENARIOS[scenario].defaults, profile: 'embedded', reportDir: 'reports/load' };
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--vus') args.vus = positive(flag, value);
    else if (flag === '--duration') args.duration = seconds(value);
    else if (flag === '--seats') args.seats = positive(flag, value);
    else if (flag === '--users') args.users = positive(flag, value);
    else if (flag === '--url') args.url = value;
    else if (flag === '--report-dir') args.reportDir = value;
    else if (flag === '--profile' && (value === 'embedded' || value === 'production')) args.profile = value;
    else throw new Error(`unknown option ${flag} ${value}`);
  }
  return args;
}
