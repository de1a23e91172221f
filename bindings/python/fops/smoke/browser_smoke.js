// fops browser smoke: opens one page in real Chromium (driven by
// playwright-core) and fails when the page does not work for a user:
// the main document answers outside 2xx, a script throws an uncaught
// exception, a request fails (refused, aborted) or answers 4xx/5xx, an
// expected text is missing, or a selector never becomes visible. It always
// writes a screenshot when the page loaded (also when the smoke failed: it
// shows what a user would have seen), prints one line per check, and, last,
// a one-line verdict (the resource's reason in fops' summary).
//
// `fops smoke browser` finds node, playwright-core and Chromium and runs
// this file with the arguments below; it is not meant to be run by hand.
//
//   node browser_smoke.js --playwright DIR --chromium PATH --url URL
//        --screenshot PATH [--expect-text TEXT]... [--wait-for SELECTOR]
//        [--timeout-ms N] [--insecure]
//
// Exit 0: every check passed; 1: one failed; 2: bad usage or the browser
// could not start.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

// Quiet, reproducible Chromium as root in a container: no sandbox (root
// cannot use it), no GPU, no background traffic, no first-run pages.
const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
// After `load`, how long to wait for the page's own requests (an app's API
// calls) to settle, so their failures are seen; a page that keeps polling
// never settles, and is checked as it is after this long.
const SETTLE_MS = 2000;
const BODY_HEAD = 100;
// Chromium's start is bounded on its own: a busy machine can take seconds,
// which says nothing about the page.
const LAUNCH_MS = 60000;

function usage(message) {
  process.stderr.write(`fops smoke browser: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = { expectText: [], timeoutMs: 30000, insecure: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${flag} needs a value`);
      return argv[++i];
    };
    switch (flag) {
      case '--playwright': args.playwright = value(); break;
      case '--chromium': args.chromium = value(); break;
      case '--url': args.url = value(); break;
      case '--screenshot': args.screenshot = value(); break;
      case '--expect-text': args.expectText.push(value()); break;
      case '--wait-for': args.waitFor = value(); break;
      case '--timeout-ms': args.timeoutMs = Number(value()); break;
      case '--insecure': args.insecure = true; break;
      default: usage(`unknown argument '${flag}'`);
    }
  }
  for (const need of ['playwright', 'chromium', 'url', 'screenshot']) {
    if (!args[need]) usage(`--${need} is required`);
  }
  if (!(args.timeoutMs > 0)) usage('--timeout-ms must be a positive number');
  return args;
}

function ms(t) {
  return t < 1000 ? `${Math.round(t)} ms` : `${(t / 1000).toFixed(2)} s`;
}

function quote(text) {
  const flat = String(text).replace(/\s+/g, ' ').trim();
  if (!flat) return '(empty)';
  return JSON.stringify(flat.length > BODY_HEAD ? flat.slice(0, BODY_HEAD) + '…' : flat);
}

function say(line) {
  process.stdout.write(line + '\n');
}
// Stopped by fops (its timeout, Ctrl-C, `fops down`): playwright-core closes
// Chromium, and whatever was waiting fails because of that, not because of
// the page; nothing is reported as the page's fault after this.
let stoppedBy = null;
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(signal, () => { stoppedBy = stoppedBy || signal; });
}

function exitIfStopped() {
  if (stoppedBy) {
    say(`stopped by ${stoppedBy} before the smoke finished`);
    process.exit(128 + os.constants.signals[stoppedBy]);
  }
}

// A reader that went away (`| head`) must not stop the smoke half-way:
// Chromium is still closed and its profile removed.
process.stdout.on('error', (err) => { if (err.code !== 'EPIPE') throw err; });

async function main() {
  const args = parseArgs(process.argv.slice(2));
  let chromium;
  try {
    ({ chromium } = require(args.playwright));
  } catch (err) {
    usage(`cannot load playwright-core from ${args.playwright}: ${err.message}`);
  }
  const problems = [];
  const fail = (what) => {
    if (stoppedBy) return;
    problems.push(what);
    say(`✘ ${what}`);
  };
  // One scratch directory holds Chromium's fresh profile and the TMPDIR of
  // Chromium (its singleton socket) and of playwright-core (its artifacts),
  // so removing it leaves nothing behind, also when fops stopped them
  // before they could clean up after themselves.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fops-chromium-'));
  const profile = path.join(scratch, 'profile');
  const tmp = path.join(scratch, 'tmp');
  fs.mkdirSync(tmp);
  process.env.TMPDIR = tmp;  // os.tmpdir() from now on, and Chromium's environment
  // Chromium writes under the user's home even with a profile of its own
  // (crash-report settings in ~/.config/chromium, a dconf cache in
  // ~/.cache): its home is one in the scratch directory too.
  const home = path.join(scratch, 'home');
  fs.mkdirSync(home);
  Object.assign(process.env, {
    HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
  });
  process.on('exit', () => {
    try {
      fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch (err) {
      process.stderr.write(`fops smoke browser: could not remove ${scratch}: ${err.message}\n`);
    }
  });

  const started = Date.now();
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: args.chromium, headless: true, args: CHROMIUM_FLAGS,
      timeout: Math.max(args.timeoutMs, LAUNCH_MS), viewport: { width: 1280, height: 720 },
      ignoreHTTPSErrors: args.insecure,
    });
  } catch (err) {
    exitIfStopped();
    // Playwright's message holds Chromium's own log: its reason is there
    // (a FATAL line), among noise; the launch command line is left out.
    const text = err.message.replace(/\x1b\[[0-9;]*m/g, '');
    const head = text.split('\n')[0];
    const log = text.split('Call log:')[0].split('\n').slice(1)
      .filter((l) => l.trim() && !l.includes('<launching>'));
    const fatal = log.map((l) => l.match(/FATAL:[^\]]*\] (.*)/)).find((m) => m);
    process.stderr.write(`fops smoke browser: Chromium (${args.chromium}) did not start: ${head}\n` +
                         log.slice(0, 15).map((l) => `  ${l}\n`).join(''));
    say(`${args.url}: Chromium did not start${fatal ? ': ' + fatal[1] : ''}`);
    process.exit(2);
  }
  say(`chromium ${args.chromium} started in ${ms(Date.now() - started)}`);

  let requests = 0;
  let loaded = 0;
  let screenshotWritten = false;
  try {
    const page = context.pages()[0] || await context.newPage();
    page.on('request', () => { requests++; });
    page.on('pageerror', (err) => fail(`page error: ${err.name ? err.name + ': ' : ''}${err.message}`));
    page.on('requestfailed', (req) => {
      const why = req.failure() ? req.failure().errorText : 'failed';
      // The page's own document: page.goto reports it.
      if (req.isNavigationRequest() && req.frame() === page.mainFrame()) return;
      fail(`request failed: ${req.method()} ${req.url()}: ${why}`);
    });
    page.on('response', (res) => {
      if (res.request().isNavigationRequest() && res.frame() === page.mainFrame()) return;
      if (res.status() >= 400) {
        fail(`request failed: ${res.request().method()} ${res.url()} → ${res.status()}`);
      }
    });

    const navStart = Date.now();
    let response;
    try {
      response = await page.goto(args.url, { waitUntil: 'load', timeout: args.timeoutMs });
    } catch (err) {
      const why = err.message.split('\n')[0].replace(/^page\.goto: /, '').replace(/ at \S+$/, '');
      fail(`could not load the page: ${why}`);
    }
    if (response) {
      const status = response.status();
      const ok = status >= 200 && status < 300;
      // The document's own time (request to last byte), as the route smoke shows it.
      const timing = response.request().timing();
      const took = timing && timing.responseEnd >= 0 ? timing.responseEnd : Date.now() - navStart;
      say(`GET ${args.url} → ${status} in ${ms(took)} ${ok ? '✔' : '✘'}`);
      if (!ok) {
        // What a user reads on the error page, else the start of its source.
        let body = await page.locator('body').innerText({ timeout: 2000 }).catch(() => '');
        if (!body.trim()) body = await response.text().catch(() => '');
        fail(`expected a 2xx answer, got ${status}: ${quote(body)}`);
      }
      await page.waitForLoadState('networkidle', { timeout: SETTLE_MS }).catch(() => {});
      loaded = Date.now() - navStart;

      if (args.waitFor) {
        try {
          await page.waitForSelector(args.waitFor, { state: 'visible', timeout: args.timeoutMs });
          say(`selector ${JSON.stringify(args.waitFor)} visible ✔`);
        } catch (err) {
          fail(`selector ${JSON.stringify(args.waitFor)} not visible within ${ms(args.timeoutMs)}`);
        }
      }
      if (args.expectText.length) {
        const text = await page.locator('body').innerText({ timeout: args.timeoutMs }).catch(() => '');
        for (const want of args.expectText) {
          if (text.includes(want)) {
            say(`text ${JSON.stringify(want)} ✔`);
          } else {
            fail(`text ${JSON.stringify(want)} not on the page: ${quote(text)}`);
          }
        }
      }

      fs.mkdirSync(path.dirname(path.resolve(args.screenshot)), { recursive: true });
      await page.screenshot({ path: args.screenshot, timeout: args.timeoutMs });
      screenshotWritten = true;
      const size = fs.statSync(args.screenshot).size;
      say(`screenshot ${args.screenshot} (1280×720, ${Math.max(1, Math.round(size / 1024))} KB)`);
    }
  } catch (err) {
    if (!stoppedBy) throw err;  // else: Chromium was closed under it; exit below
  } finally {
    await context.close().catch(() => {});
  }
  exitIfStopped();

  const shot = screenshotWritten ? `; screenshot ${args.screenshot}` : '';
  if (problems.length) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    say(`${args.url}: ${problems[0]}${more}${shot}`);
    process.exit(1);
  }
  say(`${args.url} loaded in ${ms(loaded)}, ${requests} request${requests === 1 ? '' : 's'}, ` +
      `no errors${shot}`);
  process.exit(0);
}

main().catch((err) => {
  exitIfStopped();
  process.stderr.write(`fops smoke browser: ${err.stack || err}\n`);
  say(`browser smoke failed: ${String(err.message || err).split('\n')[0]}`);
  process.exit(1);
});
