import { expect, test, type Browser, type Page, type TestInfo } from "@playwright/test";
import { CSR, fillCard, hasJs, ownAccount, phone, ready, sendLink, signIn, sql } from "./helpers";
import { axe } from "./console-pages";

// Send Payment Link (help center B9): the CSR at a desk or on a tablet
// (the project's size), the payer on a phone of their own, with or without
// JavaScript like the project. Each test sends to an account of its own.


/** The CSR, from the site's root signed out, to Accounts Found for `account`. */
async function findAccount(page: Page, info: TestInfo, account: string) {
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in/);
  await signIn(page, info, CSR.login, CSR.password);
  // Signed in: home (Home, or Payer Support for a CSR who may not read reports).
  await expect(page.getByRole("heading", { level: 1, name: /^(Home|Payer Support)$/ })).toBeVisible();
  await page.goto(`/payer-support?by=account&q=${account}`);
  await expect(page.getByRole("heading", { name: "Accounts Found" })).toBeVisible();
  await ready(page, info);
}

/** The page fits the phone: nothing scrolls sideways. */
async function fits(p: Page) {
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

test("a CSR sends a payment link; the payer pays it on a phone, once", async ({ page, browser }, info) => {
  const account = ownAccount(info, "PL");
  sql(`UPDATE accounts SET balance_cents = 4210 WHERE account_number = '${account}'`);
  const to = `link.${account.toLowerCase()}@example.com`;
  await findAccount(page, info, account);
  const token = await sendLink(page, info, account, to);
  await expect(page.locator("#links-table")).toContainText("Sent");

  const payer = await phone(browser, info);
  await payer.goto(`/p/link/${token}`);
  await expect(payer.getByRole("heading", { name: "One Time Payment" })).toBeVisible();
  await ready(payer, info);
  // The payer site: the account, no staff menu, no sign-in.
  await expect(payer.locator(".account-card")).toContainText(account);
  await expect(payer.getByRole("navigation", { name: "Main" })).toHaveCount(0);
  await expect(payer.getByLabel("Payment Amount")).toHaveValue("42.10");
  await fits(payer);
  await axe(payer, info, "link form");

  // A mistake first: the message is beside the field.
  await payer.getByLabel("Payment Amount").fill("12.345");
  await fillCard(payer);
  await payer.getByRole("button", { name: "Next" }).click();
  await expect(payer.locator("#pay-amount-error")).not.toBeEmpty();
  await axe(payer, info, "link form with an error");
  await payer.getByLabel("Payment Amount").fill("23.45");
  // Without JavaScript the page came back from the server: the card number
  // and CVV are never sent back, so they are typed again.
  if (!hasJs(info)) await fillCard(payer);
  await payer.getByRole("button", { name: "Next" }).click();

  await expect(payer.getByRole("heading", { name: "Confirm Payment" })).toBeVisible();
  await expect(payer.locator("dl.review")).toContainText("$23.45");
  await expect(payer.locator("dl.review")).toContainText("Visa •••• 4242");
  await ready(payer, info);
  await axe(payer, info, "link confirmation");
  await payer.getByRole("button", { name: "Pay", exact: true }).click();

  await expect(payer.getByRole("heading", { name: "Thank you for your payment" })).toBeVisible();
  const reference = (await payer.getByTestId("receipt-reference").innerText()).trim();
  expect(reference).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
  await fits(payer);
  await ready(payer, info);
  await axe(payer, info, "link receipt");

  // The link refuses a second use.
  await payer.goto(`/p/link/${token}`);
  await expect(payer.getByRole("heading", { name: "This link was used" })).toBeVisible();
  await expect(payer.locator("main")).toContainText(reference);
  await expect(payer.getByLabel("Payment Amount")).toHaveCount(0);

  // The CSR sees it paid, with the payment's reference.
  await page.reload();
  await expect(page.locator("#links-table")).toContainText("Paid");
  await expect(page.locator("#links-table")).toContainText(reference);
  await expect(page.getByRole("button", { name: /Revoke/ })).toHaveCount(0);
  await payer.context().close();
});

test("a revoked link tells the payer it no longer works", async ({ page, browser }, info) => {
  const account = ownAccount(info, "RV");
  const to = `revoke.${account.toLowerCase()}@example.com`;
  await findAccount(page, info, account);
  const token = await sendLink(page, info, account, to);
  await page.getByRole("button", { name: `Revoke the link sent to ${to}` }).click();
  await expect(page.locator("#payment-links")).toContainText(`Payment link to ${to} revoked`);
  await expect(page.locator("#links-table")).toContainText("Revoked");

  const payer = await phone(browser, info);
  await payer.goto(`/p/link/${token}`);
  await expect(payer.getByRole("heading", { name: "This link can no longer be used" })).toBeVisible();
  await expect(payer.getByLabel("Payment Amount")).toHaveCount(0);
  await ready(payer, info);
  await axe(payer, info, "revoked link");
  // A made-up link says only that it is not valid.
  await payer.goto(`/p/link/1.${"0".repeat(64)}`);
  await expect(payer.getByRole("alert")).toContainText("This payment link is not valid");
  await payer.context().close();
});

test("One Time Payment: a payer locked out after four misses is unlocked by a CSR, then pays", async ({ page, browser }, info) => {
  const account = ownAccount(info, "OT");
  sql(`UPDATE accounts SET balance_cents = 1500 WHERE account_number = '${account}'`);
  const payer = await phone(browser, info);
  await payer.goto("/p/pay");
  await expect(payer.getByRole("heading", { name: "One Time Payment" })).toBeVisible();
  await ready(payer, info);
  await axe(payer, info, "One Time Payment");
  const attempt = async (name: string) => {
    await payer.getByLabel("Account Number").fill(account);
    await payer.getByLabel("Last Name or Business Name").fill(name);
    await payer.getByRole("button", { name: "Continue" }).click();
  };
  // A refused attempt is answered before the next (the button is disabled
  // while a lookup is in flight): the alert already says what the last said.
  const refused = async (message: string) => {
    await expect(payer.getByRole("button", { name: "Continue" })).toBeEnabled();
    await expect(payer.getByRole("alert")).toContainText(message);
  };
  for (let i = 1; i <= 3; i++) {
    await attempt("Wrong");
    await refused("could not find an account");
    await ready(payer, info);
  }
  await axe(payer, info, "One Time Payment with its message");
  await attempt("Wrong");
  await refused("locked for 30 minutes");
  await ready(payer, info);
  await attempt("Payer");
  await refused("locked for 30 minutes");

  // The CSR finds the account, sees the lock and unlocks it.
  await findAccount(page, info, account);
  await expect(page.locator("#accounts-table")).toContainText("One Time Payment locked");
  await page.getByRole("button", { name: `Unlock Account ${account} for One Time Payment` }).click();
  await expect(page.locator("#accounts-table")).not.toContainText("One Time Payment locked");

  await ready(payer, info);
  await attempt("payer");
  await expect(payer.locator(".account-card")).toContainText(account);
  await expect(payer.getByLabel("Payment Amount")).toHaveValue("15.00");
  await ready(payer, info);
  await fillCard(payer);
  await payer.getByRole("button", { name: "Next" }).click();
  await expect(payer.getByRole("heading", { name: "Confirm Payment" })).toBeVisible();
  await ready(payer, info);
  await payer.getByRole("button", { name: "Pay", exact: true }).click();
  await expect(payer.getByRole("heading", { name: "Thank you for your payment" })).toBeVisible();
  await expect(payer.locator("dl.receipt")).toContainText("$15.00");
  await payer.context().close();
});
