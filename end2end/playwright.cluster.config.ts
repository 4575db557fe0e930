import { defineConfig, devices } from "@playwright/test";
import * as path from "node:path";
import base from "./playwright.config";

// `make test-cluster`: the seed flow, an upload with preview and commit, a
// refund approval and settlement, through haproxy in front of two servers
// on one PostgreSQL database (scripts/cluster-server.sh). The specs are the
// single server's; the helpers follow these variables to the database, the
// key and both servers' outboxes.
const addr = process.env.E2E_CLUSTER_ADDR ?? "127.0.0.1:3120";
const tmp = path.resolve(__dirname, ".tmp-cluster");
const admin = process.env.PAYDESK_TEST_POSTGRES ?? "postgres://postgres@127.0.0.1:5432/postgres";
process.env.E2E_TMP = tmp;
process.env.E2E_ADDR = addr;
process.env.E2E_DATABASE_URL = `${admin.slice(0, admin.lastIndexOf("/"))}/paydesk_cluster_e2e`;
process.env.E2E_DATA_DIRS = ["a", "b"].map((n) => path.join(tmp, `data-${n}`)).join(",");
process.env.PAYDESK_KEY_FILE = path.join(tmp, "paydesk.key");

const flows = /\/(root|payment|uploads|approval)\.spec\.ts$/;
// The single server's project names: the specs pick their accounts by them.
const desktop = { ...devices["Desktop Chrome"], viewport: { width: 1280, height: 800 } };
const tablet = { viewport: { width: 768, height: 1024 }, hasTouch: true, javaScriptEnabled: false };

export default defineConfig({
  ...base,
  use: { ...base.use, baseURL: `http://${addr}` },
  // Two servers, haproxy and PostgreSQL share CI's two cores with the
  // browsers, right after the rest of make test: a page may take longer to
  // come than on one server, so each wait-for-condition gets more time.
  expect: { timeout: 15_000 },
  outputDir: "test-results-cluster",
  reporter: [["list"], ["json", { outputFile: "test-results-cluster/cluster.json" }]],
  projects: [
    { name: "desktop-js", testMatch: flows, use: { ...desktop, launchOptions: base.use?.launchOptions } },
    { name: "tablet-nojs", testMatch: flows, use: { ...tablet, launchOptions: base.use?.launchOptions } },
    {
      name: "settle-desktop-js",
      testMatch: /\/settle\.spec\.ts$/,
      fullyParallel: false,
      dependencies: ["desktop-js", "tablet-nojs"],
      use: { ...desktop, launchOptions: base.use?.launchOptions },
    },
  ],
  webServer: {
    command: "bash ../scripts/cluster-server.sh",
    url: `http://${addr}/readyz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore",
    stderr: "pipe",
  },
});
