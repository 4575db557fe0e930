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

const base = process.env.E2E_BASE_URL ?? "http://127.0.0.1:3100";
const desktop = { viewport: { width: 1280, height: 800 } };
const tablet = { viewport: { width: 768, height: 1024 }, hasTouch: true };

export default defineConfig({
  testDir: "./tests",
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [["list"], ["json", { outputFile: "test-results/results.json" }]],
  timeout: 30_000,
  expect: { timeout: 7_000 },
  use: {
    baseURL: base,
    launchOptions: chromium,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    { name: "desktop-js", testIgnore: /settle/, use: { ...devices["Desktop Chrome"], ...desktop, launchOptions: chromium } },
    { name: "desktop-nojs", testIgnore: /settle/, use: { ...devices["Desktop Chrome"], ...desktop, javaScriptEnabled: false, launchOptions: chromium } },
    { name: "tablet-js", testIgnore: /settle/, use: { ...tablet, launchOptions: chromium } },
    { name: "tablet-nojs", testIgnore: /settle/, use: { ...tablet, javaScriptEnabled: false, launchOptions: chromium } },
    // Settling moves every Pending payment, so these run last, one after the other.
    {
      name: "settle-desktop-js",
      testMatch: /settle/,
      fullyParallel: false,
      dependencies: ["desktop-js", "desktop-nojs", "tablet-js", "tablet-nojs"],
      use: { ...devices["Desktop Chrome"], ...desktop, launchOptions: chromium },
    },
    {
      name: "settle-tablet-nojs",
      testMatch: /settle/,
      fullyParallel: false,
      dependencies: ["settle-desktop-js"],
      use: { ...tablet, javaScriptEnabled: false, launchOptions: chromium },
    },
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
