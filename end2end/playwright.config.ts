import { defineConfig, devices } from "@playwright/test";

// Debian's Chromium: Playwright never downloads a browser here.
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

// E2E_ADDR moves the server (scripts/e2e-server.sh) and the tests together.
const base = process.env.E2E_BASE_URL ?? `http://${process.env.E2E_ADDR ?? "127.0.0.1:3100"}`;
const desktop = { viewport: { width: 1280, height: 800 } };
const tablet = { viewport: { width: 768, height: 1024 }, hasTouch: true };

export default defineConfig({
  testDir: "./tests",
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [["list"], ["json", { outputFile: process.env.E2E_RESULTS ?? "test-results/results.json" }]],
  timeout: 30_000,
  expect: { timeout: 7_000 },
  use: {
    baseURL: base,
    launchOptions: chromium,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    { name: "desktop-js", testIgnore: /settle|a11y|plans|fees|categor/, use: { ...devices["Desktop Chrome"], ...desktop, launchOptions: chromium } },
    { name: "desktop-nojs", testIgnore: /settle|a11y|plans|fees|categor/, use: { ...devices["Desktop Chrome"], ...desktop, javaScriptEnabled: false, launchOptions: chromium } },
    { name: "tablet-js", testIgnore: /settle|a11y|plans|fees|categor/, use: { ...tablet, launchOptions: chromium } },
    { name: "tablet-nojs", testIgnore: /settle|a11y|plans|fees|categor/, use: { ...tablet, javaScriptEnabled: false, launchOptions: chromium } },
    // axe's scans are heavy on the CPU: they run after the flows, so that a
    // page of another spec is never left waiting to hydrate beside them.
    ...(["desktop-js", "desktop-nojs", "tablet-js", "tablet-nojs"] as const).map((name) => ({
      name: `a11y-${name}`,
      testMatch: /a11y/,
      dependencies: ["desktop-js", "desktop-nojs", "tablet-js", "tablet-nojs"],
      use: {
        ...(name.startsWith("desktop") ? { ...devices["Desktop Chrome"], ...desktop } : tablet),
        javaScriptEnabled: name.endsWith("-js"),
        launchOptions: chromium,
      },
    })),
    // `paydesk run-plans` starts every Scheduled payment due by its date,
    // so one project's pass would start another's plan payment before that
    // project saw it Scheduled: the plans' projects run one after the other.
    ...(["desktop-js", "desktop-nojs", "tablet-js", "tablet-nojs"] as const).map((name, i, all) => ({
      name: `plans-${name}`,
      testMatch: /plans/,
      fullyParallel: false,
      dependencies:
        i === 0 ? ["a11y-desktop-js", "a11y-desktop-nojs", "a11y-tablet-js", "a11y-tablet-nojs"] : [`plans-${all[i - 1]}`],
      use: {
        ...(name.startsWith("desktop") ? { ...devices["Desktop Chrome"], ...desktop } : tablet),
        javaScriptEnabled: name.endsWith("-js"),
        launchOptions: chromium,
      },
    })),
    // Settling moves every Pending payment, so these run last, one after the other.
    {
      name: "settle-desktop-js",
      testMatch: /settle/,
      fullyParallel: false,
      dependencies: ["plans-tablet-nojs"],
      use: { ...devices["Desktop Chrome"], ...desktop, launchOptions: chromium },
    },
    {
      name: "settle-tablet-nojs",
      testMatch: /settle/,
      fullyParallel: false,
      dependencies: ["settle-desktop-js"],
      use: { ...tablet, javaScriptEnabled: false, launchOptions: chromium },
    },
    // The convenience fees and the categories are the whole biller's:
    // another spec's payment would pay the fee one of these saved, or the
    // Required line one of them added, so they run after everything else,
    // one after the other, one spec at a time.
    ...(["desktop-js", "desktop-nojs", "tablet-js", "tablet-nojs"] as const).map((name, i, all) => ({
      name: `biller-${name}`,
      testMatch: /fees|categor/,
      fullyParallel: false,
      workers: 1,
      dependencies: i === 0 ? ["settle-tablet-nojs"] : [`biller-${all[i - 1]}`],
      use: {
        ...(name.startsWith("desktop") ? { ...devices["Desktop Chrome"], ...desktop } : tablet),
        javaScriptEnabled: name.endsWith("-js"),
        launchOptions: chromium,
      },
    })),
  ],
  webServer: {
    command: "bash ../scripts/e2e-server.sh",
    url: `${base}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
  },
});
