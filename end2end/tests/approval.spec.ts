import { expect, test } from "@playwright/test";
import { cancelReverse, newUser, openMakePaymentFor, openPayment, ready, secondBrowser, signIn, takePayment } from "./helpers";

// One account per project, so parallel projects never share payments.
const ACCOUNT: Record<string, string> = {
  "desktop-js": "100040",
  "desktop-nojs": "100042",
  "tablet-js": "100046",
  "tablet-nojs": "100047",
};

test("a refund above $500 waits until a second person approves it", async ({ page, browser }, info) => {
  await openMakePaymentFor(page, info, ACCOUNT[info.project.name]);
  const reference = await takePayment(page, info, "700.00");
  await openPayment(page, info, reference);
  await cancelReverse(page, info, /^Partial refund/, "600.00");

  // Nothing moved: it waits, and the CSR who asked cannot decide it.
  const waiting = page.locator("#awaiting-approval");
  await expect(waiting).toContainText("Partial refund of $600.00 asked by csr");
  await expect(waiting.getByRole("button", { name: "Approve refund" })).toHaveCount(0);
  await expect(page.locator("dl.detail")).not.toContainText("Refunded");

  const admin = newUser(info, "admin");
  const approver = await secondBrowser(browser, info);
  await approver.goto(`/sign-in?next=/approvals`);
  await signIn(approver, info, admin.login, admin.password);
  await expect(approver.getByRole("heading", { name: "Refunds awaiting approval" })).toBeVisible();
  await approver.locator("#approvals-table").getByRole("link", { name: reference }).click();
  await expect(approver.getByRole("heading", { name: `Payment ${reference}` })).toBeVisible();
  await ready(approver, info);
  await approver.locator("#awaiting-approval").getByRole("button", { name: "Approve refund" }).click();
  await expect(approver.locator("dl.detail")).toContainText("Refunded $600.00 of $700.00");
  await expect(approver.locator("#awaiting-approval")).toHaveCount(0);
  await expect(approver.locator("#actions-table")).toContainText(admin.login);
  await approver.context().close();

  await openPayment(page, info, reference);
  await expect(page.locator("dl.detail")).toContainText("Refunded $600.00 of $700.00");
});
