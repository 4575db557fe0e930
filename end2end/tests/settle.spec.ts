import { expect, test } from "@playwright/test";
import { CSR, hasJs, ready, settle, signIn } from "./helpers";

// Runs after every other project (playwright.config.ts): settling moves
// every Pending card payment, so it must not race the tests that expect one.
test("a Pending payment turns Processed after `paydesk settle`", async ({ page }, info) => {
  const account = info.project.name.includes("desktop") ? "100038" : "100039";
  await page.goto(`/sign-in?next=/pay/${account}`);
  await signIn(page, info, CSR.login, CSR.password);
  await expect(page.getByRole("heading", { name: "Make Payment" })).toBeVisible();
  await ready(page, info);
  await page.getByLabel("Payment Amount").fill("2.50");
  await page.getByLabel("Name on card").fill("Pat Payer");
  await page.getByLabel("Card number").fill("4242424242424242");
  await page.getByLabel("Expiry (MM/YY)").fill("12/34");
  await page.getByLabel("CVV").fill("123");
  await page.getByLabel("Billing ZIP").fill("02139");
  await page.getByRole("button", { name: "Confirm" }).click();
  await ready(page, info);
  await page.getByRole("button", { name: "Make Payment" }).click();
  await ready(page, info);
  await page.getByRole("link", { name: "Done" }).click();
  const row = page.locator("#payments-table tbody tr").first();
  await expect(row).toContainText("Pending");
  await ready(page, info);

  settle();
  if (hasJs(info)) {
    // No reload: the page asks for Pending statuses every few seconds.
    await expect(row).toContainText("Processed", { timeout: 10_000 });
    await expect(page.getByRole("status").filter({ hasText: "is now Processed" })).toHaveCount(1);
  } else {
    await page.reload();
    await expect(row).toContainText("Processed");
  }
});
