import { expect, test } from "@playwright/test";
import { adminOpens, cancelReverse, fillCard, hasJs, openPayment, ownAccount, phone, ready, sendLink } from "./helpers";
import { axe } from "./console-pages";

// Convenience fees (issue 16, docs/fees.md): an administrator, from the
// site's root signed out, sets the card fee (a wrong percentage named
// beside its field first); a payment then shows its Fee Amount on Make
// Payment (worked out as the amount is typed, with JavaScript; the rule in
// words without), on the review, the Thanks page and the payment's page,
// and a Full Reversal gives the fee back; a payment link's page on a phone
// shows the fee as the payer types. The fees are one setting for the
// whole biller, so these projects run last, one after another
// (playwright.config.ts), each saving the same values.

test("an administrator sets a card fee, a payment is charged it and a Full Reversal gives it back", async ({ page, browser }, info) => {
  test.slow();
  await adminOpens(page, info, "Convenience Fees");

  const card = page.getByRole("group", { name: "Card" });
  const bank = page.getByRole("group", { name: "Bank account (ACH)" });
  await card.getByLabel("Flat Amount").fill("0.50");
  await card.getByLabel("Percentage").fill("2.955");
  await card.getByLabel("Maximum").fill("25.00");
  await bank.getByLabel("Flat Amount").fill("1.25");
  await page.getByRole("button", { name: "Save Changes" }).click();
  // Named beside its field, never rounded; what was typed is kept.
  await expect(page.locator("#fee-card_percent-error")).toContainText("Use at most 2 decimal places.");
  await expect(card.getByLabel("Percentage")).toHaveValue("2.955");
  await expect(bank.getByLabel("Flat Amount")).toHaveValue("1.25");
  await ready(page, info);
  await axe(page, info, "Convenience Fees with an error");
  await card.getByLabel("Percentage").fill("2.95");
  await page.getByRole("button", { name: "Save Changes" }).click();
  await expect(page.getByRole("status")).toContainText("Your changes were saved.");
  // What the saved rule charges on $100.00: 0.50 + 2.95 = $3.45.
  await expect(page.locator("#fee-example-card")).toContainText("$0.50 + 2.95%, at most $25.00 → $3.45");
  await expect(page.locator("#fee-example-ach")).toContainText("$1.25 → $1.25");
  await ready(page, info);
  await axe(page, info, "Convenience Fees");

  // Make Payment: the Fee Amount beside the amount.
  const account = ownAccount(info, "FE");
  await page.goto(`/pay/${account}`);
  await expect(page.getByRole("heading", { name: "Make Payment" })).toBeVisible();
  await ready(page, info);
  await page.getByLabel("Payment Amount").fill("100.00");
  await fillCard(page);
  const preview = page.locator("#fee-preview");
  if (hasJs(info)) {
    await expect(preview.locator("#fee-amount")).toHaveText("$3.45");
    await expect(preview.locator("#fee-total")).toHaveText("$103.45");
  } else {
    await expect(preview).toContainText("Card: $0.50 + 2.95%, at most $25.00. Bank account: $1.25.");
  }
  await axe(page, info, "Make Payment with a fee");
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByRole("heading", { name: "Review Payment" })).toBeVisible();
  await expect(page.locator("#review-fee")).toHaveText("$3.45");
  await expect(page.locator("#review-total")).toHaveText("$103.45");
  await ready(page, info);
  await axe(page, info, "Review Payment with a fee");
  await page.getByRole("button", { name: "Make Payment" }).click();
  await expect(page.getByRole("heading", { name: "Thanks for the payment!" })).toBeVisible();
  await expect(page.locator("#payment-fee")).toHaveText("$3.45");
  await expect(page.locator("#payment-total")).toHaveText("$103.45");
  await ready(page, info);
  const reference = (await page.locator(".reference").innerText()).trim();

  // The payment's page; a Full Reversal says the fee goes back, and does.
  await openPayment(page, info, reference);
  await expect(page.locator("#payment-fee")).toHaveText("$3.45");
  const full = page.locator("#cancel-reverse").getByRole("radio", { name: /Full Reversal/ });
  await expect(full).toHaveAccessibleName(/The \$3\.45 fee goes back too\./);
  await cancelReverse(page, info, /Full Reversal/);
  await expect(page.locator("#actions-table")).toContainText("$100.00 + $3.45 fee");
  await expect(page.locator("#payment-fee")).toContainText("(given back $3.45)");

  // A payment link's page shows the fee too, as the payer types on a phone.
  await page.goto(`/payer-support?by=account&q=${account}`);
  await expect(page.getByRole("heading", { name: "Accounts Found" })).toBeVisible();
  await ready(page, info);
  const token = await sendLink(page, info, account, `fee.${account.toLowerCase()}@example.com`);
  const payer = await phone(browser, info);
  await payer.goto(`/p/link/${token}`);
  await expect(payer.getByRole("heading", { name: "One Time Payment" })).toBeVisible();
  await ready(payer, info);
  await payer.getByLabel("Payment Amount").fill("20.00");
  const onPhone = payer.locator("#fee-preview");
  if (hasJs(info)) {
    await expect(onPhone.locator("#fee-amount")).toHaveText("$1.09");
    await expect(onPhone.locator("#fee-total")).toHaveText("$21.09");
    await payer.getByRole("radio", { name: "Bank account (ACH)" }).check();
    await expect(onPhone.locator("#fee-amount")).toHaveText("$1.25");
  } else {
    await expect(onPhone).toContainText("Card: $0.50 + 2.95%, at most $25.00. Bank account: $1.25.");
  }
  await axe(payer, info, "payment link with a fee");
});
