import { expect, test, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";
import { CSR, daysAhead, fillCard, hasJs, mailTo, ownAccount, phone, ready, signIn } from "./helpers";
import { axe } from "./console-pages";

// Enrolled payers (help center P1, B2, B7): the payer registers and signs
// in on a phone of their own; the CSR, at a desk or on a tablet (the
// project's size), reads the lockout in Enrolled User Information's
// Activity, unlocks the payer and sets a temporary password. With or
// without JavaScript like the project. Each test has an account of its own.

const PASSWORD = "Blue kettle 2026!";

async function payerSignIn(p: Page, info: TestInfo, user: string, password: string) {
  await p.getByLabel("User ID").fill(user);
  await p.getByLabel("Password", { exact: true }).fill(password);
  await p.getByRole("button", { name: "Sign In" }).click();
}

/** Register Now, from the payer site's front page, signed out. */
async function registerOnPhone(p: Page, info: TestInfo, account: string, user: string, email: string) {
  await p.goto("/p");
  await expect(p.getByRole("heading", { name: "Sign In" })).toBeVisible();
  await ready(p, info);
  await p.getByRole("link", { name: "Register Now" }).click();
  await expect(p.getByRole("heading", { name: "Register Now" })).toBeVisible();
  await ready(p, info);
  await p.getByLabel("Account Number").fill(account);
  await p.getByLabel("Last Name or Business Name").fill("Payer");
  await p.getByLabel("Email").fill(email);
  await p.getByLabel("User ID").fill(user);
  await p.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await p.getByLabel("Confirm Password").fill("not the same");
  await p.getByLabel("Challenge Question 1").selectOption({ index: 1 });
  await p.getByLabel("Answer 1").fill("Rex");
  await p.getByLabel("Challenge Question 2").selectOption({ index: 2 });
  await p.getByLabel("Answer 2").fill("Hilo");
  await p.getByRole("button", { name: "Register" }).click();
  // A mistake first: named beside its field; what was typed is kept.
  await expect(p.locator("#pr-confirm-error")).toHaveText("The two passwords are not the same.");
  await expect(p.getByLabel("User ID")).toHaveValue(user);
  await axe(p, info, "Register Now with an error");
  await p.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await p.getByLabel("Confirm Password").fill(PASSWORD);
  // Answers are secrets: never sent back, typed again.
  await p.getByLabel("Answer 1").fill("Rex");
  await p.getByLabel("Answer 2").fill("Hilo");
  await p.getByRole("button", { name: "Register" }).click();
  await expect(p.getByRole("heading", { name: "You are registered" })).toBeVisible();
}

/** Registered already (the first test registers through the page). */
async function registerByApi(request: APIRequestContext, account: string, user: string, email: string) {
  const r = await request.post("/api/p_register", {
    form: {
      "form[account]": account,
      "form[name]": "Payer",
      "form[email]": email,
      "form[user_id]": user,
      "form[password]": PASSWORD,
      "form[confirm]": PASSWORD,
      "form[question1]": "What was the name of your first pet?",
      "form[answer1]": "Rex",
      "form[question2]": "In what city were you born?",
      "form[answer2]": "Hilo",
    },
    headers: { accept: "application/json" },
    maxRedirects: 0,
  });
  expect(r.status()).toBeLessThan(400);
}

test("a payer registers on a phone, saves a card, pays with a future date, cancels it and keeps their profile", async ({ browser }, info) => {
  test.skip(info.project.name.startsWith("tablet"), "the payer's side runs on the phone; the desktop projects cover it with and without JavaScript");
  // Register, sign in, pay, cancel, sign out: a dozen pages on purpose.
  test.slow();
  const account = ownAccount(info, "RG");
  const user = `reg.${account.toLowerCase()}`;
  const p = await phone(browser, info);
  await registerOnPhone(p, info, account, user, `${user}@example.com`);
  // Registered is signed in. The optional next step: save a card (its
  // review first), then on to the dashboard.
  await ready(p, info);
  await axe(p, info, "Registered");
  await p.getByRole("link", { name: "Add Credit Card" }).click();
  await expect(p.getByRole("heading", { name: "Add Credit Card" })).toBeVisible();
  await ready(p, info);
  await p.getByLabel("Name on card").fill("Pat Payer");
  await p.getByLabel("Card number").fill("4242424242424242");
  await p.getByLabel("Expiry (MM/YY)").fill("12/34");
  await p.getByLabel("CVV").fill("123");
  await p.getByLabel("Billing ZIP").fill("02139");
  await p.getByRole("button", { name: "Continue" }).click();
  await expect(p.getByRole("heading", { name: "Review Payment Method" })).toBeVisible();
  await ready(p, info);
  await axe(p, info, "Review Payment Method (payer)");
  await p.getByRole("button", { name: "Add Credit Card" }).click();
  await expect(p.getByRole("status")).toContainText("The payment method was saved.");
  await ready(p, info);
  await p.getByRole("link", { name: "Continue" }).click();

  await expect(p.getByRole("heading", { name: "My Accounts" })).toBeVisible();
  await ready(p, info);
  const panel = p.getByRole("region", { name: `Account ${account}` });
  await expect(panel).toContainText("$0.00");
  await expect(p.getByRole("navigation", { name: "Main" })).toHaveCount(0);
  await axe(p, info, "payer dashboard");
  // The console is not open to a payer's session.
  await p.goto("/payer-support");
  await expect(p).toHaveURL(/\/sign-in/);
  await p.goto("/p/home");
  await ready(p, info);

  await p.getByRole("button", { name: `Pay Now on account ${account}` }).click();
  await expect(p.getByRole("heading", { name: "One Time Payment" })).toBeVisible();
  await expect(p.locator(".account-card")).toContainText(account);
  await ready(p, info);
  const later = daysAhead(10);
  await p.getByLabel("Payment Amount").fill("15.00");
  await p.getByLabel("Payment Date").fill(later);
  await fillCard(p);
  await p.getByRole("button", { name: "Next" }).click();
  await expect(p.getByRole("heading", { name: "Confirm Payment" })).toBeVisible();
  await ready(p, info);
  // Pressed twice: one payment.
  await p.getByRole("button", { name: "Pay", exact: true }).dblclick();
  await expect(p.getByRole("heading", { name: "Thank you for your payment" })).toBeVisible();
  await expect(p.getByTestId("receipt-payment-date")).toHaveText(later);
  const reference = (await p.getByTestId("receipt-reference").innerText()).trim();

  // Payment Activity: Scheduled, and Cancel after the confirmation.
  await p.goto("/p/home");
  await ready(p, info);
  await p.getByRole("navigation", { name: "Your account" }).getByRole("link", { name: "Payment Activity" }).click();
  await expect(p.getByRole("heading", { name: "Payment Activity" })).toBeVisible();
  await ready(p, info);
  const row = p.locator("#payer-payments tbody tr", { hasText: reference });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Scheduled");
  await axe(p, info, "Payment Activity");
  await row.getByRole("link", { name: `Cancel payment ${reference}` }).click();
  await expect(p.getByRole("group", { name: `Confirm: Cancel Payment ${reference}` })).toBeVisible();
  await ready(p, info);
  await p.getByRole("button", { name: "Cancel Payment" }).click();
  await expect(p.getByRole("status")).toContainText(`Payment ${reference} was cancelled.`);
  await expect(p.locator("#payer-payments tbody tr", { hasText: reference })).toContainText("Cancelled");
  await expect(p.getByRole("link", { name: `Cancel payment ${reference}` })).toHaveCount(0);

  // Automatic Payments: none yet, said so.
  await p.getByRole("navigation", { name: "Your account" }).getByRole("link", { name: "Automatic Payments" }).click();
  await expect(p.getByRole("heading", { name: "Automatic Payments" })).toBeVisible();
  await expect(p.locator("main")).toContainText("You have no automatic payments.");
  await ready(p, info);
  await axe(p, info, "Automatic Payments");

  // Profile: the card saved at registration, Alerts by text (a number
  // is needed), and Delete after a confirmation.
  await p.getByRole("navigation", { name: "Your account" }).getByRole("link", { name: "Profile" }).click();
  await expect(p.getByRole("heading", { level: 1, name: "Profile" })).toBeVisible();
  await ready(p, info);
  await axe(p, info, "Profile");
  const methods = p.getByRole("region", { name: "Payment Methods" });
  await expect(methods).toContainText("4242");
  const alerts = () => p.getByRole("region", { name: "Alerts" });
  await alerts().getByLabel("By text message").check();
  await alerts().getByRole("button", { name: "Save Alerts" }).click();
  await expect(p.locator("#pa-mobile-error")).toContainText("mobile number");
  await ready(p, info);
  await alerts().getByLabel("By text message").check();
  await alerts().getByLabel("Mobile Number").fill("555-201-0147");
  await alerts().getByRole("button", { name: "Save Alerts" }).click();
  await expect(p.getByRole("status")).toContainText("Your alert preferences were saved.");
  await expect(alerts().getByLabel("By text message")).toBeChecked();
  await expect(alerts().getByLabel("Mobile Number")).toHaveValue("555-201-0147");
  await ready(p, info);
  await methods.getByRole("link", { name: /^Delete .*4242/ }).click();
  await expect(p.getByRole("group", { name: /^Confirm: Delete .*4242/ })).toBeVisible();
  await ready(p, info);
  await p.getByRole("button", { name: "Yes, Delete" }).click();
  await expect(p.getByRole("status")).toContainText("The payment method was deleted.");
  await expect(methods).toContainText("You have no saved payment methods.");

  // Sign Out ends it: the dashboard asks for Sign In again.
  await p.goto("/p/home");
  await ready(p, info);
  await p.getByRole("button", { name: "Sign Out" }).click();
  await expect(p.getByRole("status")).toContainText("You signed out.");
  await p.goto("/p/home");
  await expect(p).toHaveURL(/\/p\/sign-in/);
  await p.context().close();
});

test("a payer locks themselves out; a CSR unlocks them and sets a temporary password they must change", async ({ page, browser, request }, info) => {
  const account = ownAccount(info, "LK");
  const user = `lock.${account.toLowerCase()}`;
  const email = `${user}@example.com`;
  await registerByApi(request, account, user, email);

  const p = await phone(browser, info);
  await p.goto("/p");
  await ready(p, info);
  // Each attempt is answered before the next (the button is disabled while
  // one is in flight): the alert already says what the last one said.
  const answered = () => expect(p.getByRole("button", { name: "Sign In" })).toBeEnabled();
  for (let i = 0; i < 4; i++) {
    await payerSignIn(p, info, user, `wrong password ${i}`);
    await answered();
    await expect(p.getByRole("alert")).toContainText("Sign-in failed");
    await ready(p, info);
  }
  // Locked: the right password is refused the same way.
  await payerSignIn(p, info, user, PASSWORD);
  await answered();
  await expect(p.getByRole("alert")).toContainText("Sign-in failed");

  // The CSR, from the site's root signed out, finds the payer by User ID.
  await page.goto("/");
  await signIn(page, info, CSR.login, CSR.password);
  await expect(page.getByRole("heading", { level: 1, name: /^(Home|Payer Support)$/ })).toBeVisible();
  await page.goto(`/payer-support?by=user&q=${encodeURIComponent(user)}`);
  const eui = () => page.getByRole("region", { name: "Enrolled User Information" });
  await expect(eui()).toBeVisible();
  await ready(page, info);
  await expect(eui().locator("#payer-locked")).toContainText("true");
  await expect(eui().locator("#activity-table")).toContainText("Locked out (4 failed sign-ins)");
  await axe(page, info, "Enrolled User Information");

  // The Activity log's filter: only the failed sign-ins.
  const filters = eui().getByRole("form", { name: "Filter Activity" });
  await filters.getByLabel("Event").selectOption("Failed sign-in");
  await filters.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/event=Failed/);
  await expect(page.locator("#activity-count")).toContainText("5 of");
  await ready(page, info);

  await eui().getByRole("button", { name: "Unlock", exact: true }).click();
  await expect(page.locator("#payer-locked")).toHaveText("false");
  await ready(page, info);
  await eui().getByRole("link", { name: "Change Password" }).click();
  await expect(page.getByRole("group", { name: "Confirm: Change Password" })).toBeVisible();
  await ready(page, info);
  await page.getByRole("button", { name: "Send Temporary Password" }).click();
  if (hasJs(info)) {
    await expect(page.locator("#temporary-password")).not.toBeEmpty();
  } else {
    await expect(page.getByRole("status").filter({ hasText: "temporary password was emailed" })).toContainText(email);
  }
  const mail = await mailTo(email, /temporary password was set for User ID [^:]+:\s+(\S+)/);
  if (hasJs(info)) await expect(page.locator("#temporary-password")).toHaveText(mail);

  // The payer signs in with it, and must change it first.
  await p.goto("/p");
  await ready(p, info);
  await payerSignIn(p, info, user, mail);
  await expect(p.getByRole("heading", { name: "Change Password" })).toBeVisible();
  await ready(p, info);
  await p.goto("/p/home");
  await expect(p.getByRole("heading", { name: "Change Password" })).toBeVisible();
  await ready(p, info);
  await p.getByLabel("Current Password").fill(mail);
  await p.getByLabel("New Password", { exact: true }).fill("Green teapot 2027!");
  await p.getByLabel("Confirm New Password").fill("Green teapot 2027!");
  await p.getByRole("button", { name: "Change Password" }).click();
  await expect(p.getByRole("heading", { name: "My Accounts" })).toBeVisible();
  await expect(p.getByRole("status")).toContainText("Your password was changed.");
  await p.context().close();

  // The CSR sees the whole story in Activity.
  await page.goto(`/payer-support?by=user&q=${encodeURIComponent(user)}`);
  await ready(page, info);
  const log = page.locator("#activity-table");
  for (const e of ["Enrollment", "Unlocked by staff", "Temporary password sent", "Password changed"]) await expect(log).toContainText(e);
});

test("Forgot Password: a link by email, the challenge answers, a new password", async ({ browser, request }, info) => {
  test.skip(info.project.name.startsWith("tablet"), "the payer's side runs on the phone; the desktop projects cover it with and without JavaScript");
  const account = ownAccount(info, "FP");
  const user = `forgot.${account.toLowerCase()}`;
  const email = `${user}@example.com`;
  await registerByApi(request, account, user, email);
  const p = await phone(browser, info);
  await p.goto("/p");
  await ready(p, info);
  await p.getByRole("link", { name: "Forgot Password?" }).click();
  await expect(p.getByRole("heading", { name: "Forgot Password" })).toBeVisible();
  await ready(p, info);
  await p.getByLabel("User ID").fill(user);
  await p.getByRole("button", { name: "Send Link" }).click();
  await expect(p.getByRole("status")).toContainText("If that User ID is registered, we emailed a link");
  await axe(p, info, "Forgot Password sent");
  const link = await mailTo(email, /(\/p\/reset\/[A-Za-z0-9_-]+)/);

  await p.goto(link);
  await expect(p.getByRole("heading", { name: "Reset Password" })).toBeVisible();
  await ready(p, info);
  await axe(p, info, "Reset Password");
  // A wrong answer (they are case-sensitive) is named beside the field.
  await p.getByLabel("What was the name of your first pet?").fill("rex");
  await p.getByLabel("In what city were you born?").fill("Hilo");
  await p.getByLabel("New Password", { exact: true }).fill("Green teapot 2027!");
  await p.getByLabel("Confirm New Password").fill("Green teapot 2027!");
  await p.getByRole("button", { name: "Reset Password" }).click();
  await expect(p.locator("#pr-answer1-error")).toContainText("not the ones you chose");
  await ready(p, info);
  await p.getByLabel("What was the name of your first pet?").fill("Rex");
  await p.getByLabel("In what city were you born?").fill("Hilo");
  await p.getByLabel("New Password", { exact: true }).fill("Green teapot 2027!");
  await p.getByLabel("Confirm New Password").fill("Green teapot 2027!");
  await p.getByRole("button", { name: "Reset Password" }).click();
  await expect(p.getByRole("status")).toContainText("Your password was reset.");
  await ready(p, info);
  await payerSignIn(p, info, user, "Green teapot 2027!");
  await expect(p.getByRole("heading", { name: "My Accounts" })).toBeVisible();
  // The link worked once.
  await p.goto(link);
  await expect(p.getByRole("alert")).toContainText("expired or was already used");
  await p.context().close();
});
