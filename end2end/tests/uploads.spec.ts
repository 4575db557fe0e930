import { expect, test } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { hasJs, newUser, ready, signIn } from "./helpers";

test("an administrator uploads a file with errors, sees Limited errors with line numbers, and commits the valid rows", async ({ page }, info) => {
  const admin = newUser(info, "admin");
  const tag = `${info.project.name.replace(/[^a-z]/g, "").slice(0, 8)}${Date.now().toString(36)}`.toUpperCase();
  const file = path.join(os.tmpdir(), `upload-${tag}.csv`);
  fs.writeFileSync(
    file,
    [
      "account_number,first_name,last_name,email,balance",
      `U${tag}1,Ann,Lee,ann@example.com,10.00`,
      `U${tag}2,Bo,,bo@example.com,5.00`,
      `U${tag}3,Cy,Dee,not-an-email,1.005`,
    ].join("\n") + "\n",
  );
  await page.goto("/sign-in?next=/uploads");
  await signIn(page, info, admin.login, admin.password);
  await expect(page.getByRole("heading", { name: "File Transfers" })).toBeVisible();
  await ready(page, info);

  await page.getByLabel("File", { exact: true }).setInputFiles(file);
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page.getByRole("heading", { name: `Upload upload-${tag}.csv` })).toBeVisible();
  await expect(page.locator("dl.detail")).toContainText("Preview: not applied yet");
  const errors = page.locator("#upload-errors tbody tr");
  await expect(errors.filter({ hasText: "last_name" })).toContainText("3");
  await expect(errors.filter({ hasText: "email" })).toContainText("4");
  await ready(page, info);

  await page.getByRole("button", { name: "Commit the valid rows" }).click();
  await expect(page.locator("dl.detail")).toContainText("Limited errors");
  await expect(page.getByRole("button", { name: /Commit/ })).toHaveCount(0);

  await page.goto("/uploads");
  await expect(page.locator("#uploads-table tbody tr").filter({ hasText: `upload-${tag}.csv` })).toContainText("Limited errors");
  await page.goto(`/payer-support?by=account&q=U${tag}1`);
  await expect(page.locator("#accounts-table tbody tr")).toContainText("Ann Lee");
});

test("a large upload shows a progress bar while it goes out and while it is checked", async ({ page }, info) => {
  test.skip(!hasJs(info), "without JavaScript the browser shows its own progress");
  const admin = newUser(info, "admin");
  const tag = `${info.project.name.replace(/[^a-z]/g, "").slice(0, 8)}${Date.now().toString(36)}`.toUpperCase();
  const file = path.join(os.tmpdir(), `large-${tag}.csv`);
  const rows = ["account_number,first_name,last_name,email,balance"];
  for (let i = 0; i < 20000; i++) rows.push(`L${tag}${i},Ann,Lee${i},ann${i}@example.com,${i % 500}.25`);
  fs.writeFileSync(file, rows.join("\n") + "\n");
  await page.goto("/sign-in?next=/uploads");
  await signIn(page, info, admin.login, admin.password);
  await expect(page.getByRole("heading", { name: "File Transfers" })).toBeVisible();
  await ready(page, info);
  // About 1 MB at 256 KB/s: the bar has a few seconds to show.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 256 * 1024 });

  await page.getByLabel("File", { exact: true }).setInputFiles(file);
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page.locator("#upload-progress progress")).toBeVisible();
  await expect(page.locator("#upload-progress")).toContainText(/Uploading… \d+%|Checking the file/);
  await expect(page.getByRole("heading", { name: `Upload large-${tag}.csv` })).toBeVisible({ timeout: 30_000 });
  await expect(page.locator("dl.detail")).toContainText("20000");
  await ready(page, info);
  await page.getByRole("button", { name: "Abandon" }).click();
  await expect(page.locator("dl.detail")).toContainText("Abandoned");
});
