// A real browser for the dashboard's end-to-end test: the machine's Chromium (Debian's
// `chromium` package; .ci/run installs it when missing) driven by playwright-core, which
// downloads nothing. No browser found is a failure that says what to install, never a skip.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export class NoBrowserError extends Error {
  constructor(tried: string[]) {
    super(
      `no Chromium to run the dashboard test: tried ${tried.join(', ')}. Install one (Debian/Ubuntu: apt-get install chromium; .ci/run does this when it runs as root) or set MOBILECS_CHROMIUM to a Chromium or Chrome executable`,
    );
    this.name = 'NoBrowserError';
  }
}

/** The Chromium executable to use: MOBILECS_CHROMIUM, else the first of the usual paths that exists. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const tried = env.MOBILECS_CHROMIUM ? [env.MOBILECS_CHROMIUM] : CANDIDATES;
  const found = tried.find((p) => existsSync(p));
  if (!found) throw new NoBrowserError(tried);
  return found;
}

export async function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
