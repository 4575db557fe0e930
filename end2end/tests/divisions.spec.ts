import { expect, test } from "@playwright/test";
import { adminOpens, newUser, ownAccount, ready, signIn, sql } from "./helpers";
import { axe } from "./console-pages";

// Divisions (issue 16; docs/divisions.md): an administrator, from the
// site's root signed out, adds two divisions (a blank name refused beside
// the field first), renames one, gives it an ACH company and fees of its
// own (then the biller's again), and limits a new CSR to it on User Admin.
// The CSR then opens the account of their division, which names it, and is
// told an account of the other division doesn't exist, by URL and by
// Payer Support's search. Last, the administrator switches division with
// the selector above the menu and Payer Support finds only that
// division's accounts, File Transfers says an upload is that division's,
// the Audit Report lists only that division's rows, and the account page
// moves an account into another division. Divisions are the whole biller's, so this runs
// in the biller-* projects, one spec at a time; each project names its own.

test("a CSR limited to one division reaches only its accounts; the selector narrows an administrator's search", async ({ page, browser }, info) => {
  // The longest flow of the biller-* projects: 18 to 21 s of the default
  // 30 s beside another project's browser on two cores.
  test.slow();
  const tag = info.project.name;
  const water = `Water ${tag}`;
  const electric = `Electric ${tag}`;
  await adminOpens(page, info, "Divisions");

  // Add Division: a blank name is refused beside the field, and focused.
  await page.getByRole("link", { name: "Add Division" }).click();
  await expect(page.getByRole("heading", { name: "Add Division" })).toBeVisible();
  await ready(page, info);
  await page.getByLabel("Division Name").fill("   ");
  await page.getByRole("button", { name: "Add Division" }).click();
  await expect(page.locator("#division-name-error")).toContainText("Enter the division's name");
  await expect(page.getByLabel("Division Name")).toBeFocused();
  await ready(page, info);
  await axe(page, info, "Divisions with an error");
  for (const [i, name] of [`${water} (old)`, electric].entries()) {
    if (i > 0) {
      await page.getByRole("link", { name: "Add Division" }).click();
      await expect(page.getByRole("heading", { name: "Add Division" })).toBeVisible();
      await ready(page, info);
    }
    await page.getByLabel("Division Name").fill(name);
    await page.getByRole("button", { name: "Add Division" }).click();
    await expect(page.getByRole("status")).toContainText("was saved");
    await expect(page.locator("#divisions-table")).toContainText(name);
    await ready(page, info);
  }
  // Rename: the form starts from the name as saved.
  await page.getByRole("link", { name: `Rename ${water} (old)` }).click();
  await expect(page.getByRole("heading", { name: `Rename ${water} (old)` })).toBeVisible();
  await ready(page, info);
  await expect(page.getByLabel("Division Name")).toHaveValue(`${water} (old)`);
  await page.getByLabel("Division Name").fill(water);
  await page.getByRole("button", { name: "Save Name" }).click();
  await expect(page.getByRole("status")).toContainText("was saved");
  await expect(page.locator("#divisions-table")).toContainText(water);
  await expect(page.locator("#divisions-table")).not.toContainText(`${water} (old)`);
  await ready(page, info);

  // ACH Company: half a company is refused beside the missing field;
  // both fields save, and the list shows the division's own company.
  await page.getByRole("link", { name: `ACH Company of ${water}` }).click();
  await expect(page.getByRole("heading", { name: `ACH Company of ${water}` })).toBeVisible();
  await ready(page, info);
  await page.getByLabel("ACH Company Name").fill("Lakeside Water");
  await page.getByRole("button", { name: "Save ACH Company" }).click();
  await expect(page.locator("#division-ach-company_id-error")).toContainText("Enter the Company ID");
  await expect(page.getByLabel("ACH Company Name")).toHaveValue("Lakeside Water");
  await ready(page, info);
  await axe(page, info, "ACH Company with an error");
  await page.getByLabel("ACH Company ID").fill("1999999999");
  await page.getByRole("button", { name: "Save ACH Company" }).click();
  await expect(page.getByRole("status")).toContainText("was saved");
  await expect(page.locator("#divisions-table tr", { hasText: water })).toContainText("Lakeside Water (1999999999)");
  await ready(page, info);

  // Convenience Fees of Water: the biller's until Save Changes gives it
  // its own; Use the Biller's Fees goes back.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Convenience Fees" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Convenience Fees" })).toBeVisible();
  await ready(page, info);
  await page.getByRole("navigation", { name: "Fees of" }).getByRole("link", { name: water, exact: true }).click();
  await expect(page.getByRole("heading", { name: `Fees of ${water}` })).toBeVisible();
  await expect(page.locator("#division-fees-state")).toContainText("charges the biller's fees");
  await ready(page, info);
  await axe(page, info, "A division's fees");
  await page.getByRole("group", { name: "Card" }).getByLabel("Flat Amount").fill("2.50");
  await page.getByRole("button", { name: "Save Changes" }).click();
  await expect(page.locator("#division-fees-state")).toContainText("charges fees of its own");
  await expect(page.getByRole("group", { name: "Card" }).getByLabel("Flat Amount")).toHaveValue("2.50");
  await ready(page, info);
  await page.getByRole("button", { name: "Use the Biller's Fees" }).click();
  await expect(page.locator("#division-fees-state")).toContainText("charges the biller's fees");
  await ready(page, info);
  await page.goto("/admin/divisions");
  await expect(page.getByRole("heading", { level: 1, name: "Divisions" })).toBeVisible();
  await ready(page, info);

  // One account in each.
  const waterAccount = ownAccount(info, "W");
  const electricAccount = ownAccount(info, "E");
  sql(
    `UPDATE accounts SET division_id = (SELECT id FROM divisions WHERE name = '${water}') WHERE account_number = '${waterAccount}'; ` +
      `UPDATE accounts SET division_id = (SELECT id FROM divisions WHERE name = '${electric}') WHERE account_number = '${electricAccount}';`,
  );

  // User Admin: limit a new CSR to Water.
  const csr = newUser(info, "csr");
  await page.goto(`/admin/users/${csr.login}`);
  await expect(page.getByRole("heading", { level: 1, name: `User ${csr.login}` })).toBeVisible();
  await ready(page, info);
  const limits = page.getByRole("group", { name: "Limit this user to" });
  await limits.getByLabel(water).check();
  // Saved once the server has answered (a fetch with JavaScript, the
  // form's post without); the page then shows the limits as stored.
  const saved = page.waitForResponse((r) => r.url().includes("/api/set_user_divisions"));
  await page.getByRole("button", { name: "Update Divisions" }).click();
  expect((await saved).status()).toBeLessThan(400);
  await ready(page, info);
  await expect(page.getByRole("group", { name: "Limit this user to" }).getByLabel(water)).toBeChecked();
  await expect(page.getByRole("group", { name: "Limit this user to" }).getByLabel(electric)).not.toBeChecked();
  await ready(page, info);
  await axe(page, info, "User Admin with divisions");

  // The CSR, at another desk, signed out at the site's root.
  const desk = await browser.newContext({
    baseURL: info.project.use.baseURL,
    viewport: info.project.use.viewport,
    hasTouch: info.project.use.hasTouch,
    javaScriptEnabled: info.project.use.javaScriptEnabled !== false,
  });
  const csrPage = await desk.newPage();
  await csrPage.goto("/");
  await signIn(csrPage, info, csr.login, csr.password);
  await expect(csrPage.getByRole("heading", { level: 1, name: /^(Home|Payer Support)$/ })).toBeVisible();
  await ready(csrPage, info);

  await csrPage.goto(`/accounts/${waterAccount}`);
  await expect(csrPage.getByRole("heading", { level: 1, name: `Account ${waterAccount}` })).toBeVisible();
  const facts = csrPage.locator("dl.detail");
  await expect(facts).toContainText("Division");
  await expect(facts).toContainText(water);
  await ready(csrPage, info);
  await axe(csrPage, info, "An account naming its division");

  // The other division's account, by its address: as if it didn't exist.
  await csrPage.goto(`/accounts/${electricAccount}`);
  await expect(csrPage.getByText(`There is no account ${electricAccount}.`)).toBeVisible();
  await ready(csrPage, info);
  // And by Payer Support's search.
  await csrPage.goto(`/payer-support?by=account&q=${electricAccount}`);
  await expect(csrPage.getByText("No accounts match that search.")).toBeVisible();
  await expect(csrPage.locator("#accounts-table")).toHaveCount(0);
  await ready(csrPage, info);
  // Limited to one division, the CSR has nothing to choose.
  await expect(csrPage.locator("#division-choice")).toHaveCount(0);
  await desk.close();

  // The division selector above the menu: the administrator switches to
  // Water, and the same search now finds only Water's accounts; back to
  // All divisions, it finds Electric's again. A plain form post, so it
  // comes back to the same page with and without JavaScript.
  const choice = page.getByLabel("Division", { exact: true });
  const search = async (account: string) => {
    await page.goto(`/payer-support?by=account&q=${account}`);
    await expect(page.getByRole("heading", { level: 1, name: "Payer Support" })).toBeVisible();
    await ready(page, info);
  };
  const choose = async (label: string) => {
    await choice.selectOption({ label });
    await page.getByRole("button", { name: "Switch" }).click();
    await expect(page.locator("#division-choice option:checked")).toHaveText(label);
    await ready(page, info);
  };
  await search(electricAccount);
  await expect(page.locator("#accounts-table")).toContainText(electricAccount);
  await expect(page.locator("#division-choice option:checked")).toHaveText("All divisions");
  await axe(page, info, "Payer Support with the division selector");
  await choose(water);
  await expect(page).toHaveURL(new RegExp(`/payer-support\\?by=account&q=${electricAccount}$`));
  await expect(page.getByText("No accounts match that search.")).toBeVisible();
  await search(waterAccount);
  await expect(page.locator("#accounts-table")).toContainText(waterAccount);
  // With Water chosen, File Transfers says an upload is Water's, and
  // Settlement that its runs are every division's.
  await page.goto("/uploads");
  await expect(page.getByRole("heading", { level: 1, name: "File Transfers" })).toBeVisible();
  await expect(page.locator("#upload-division")).toContainText(`This upload is for ${water}`);
  await ready(page, info);
  await axe(page, info, "File Transfers for one division");
  // Settlement says its runs are every division's.
  await page.goto("/settlements");
  await expect(page.getByRole("heading", { level: 1, name: "Settlement" })).toBeVisible();
  await expect(page.locator("#settlement-division")).toContainText("Settlement covers every division");
  await ready(page, info);
  // The Audit Report lists only Water's rows: the division added, none of
  // the sign-ins (the whole biller's).
  await page.goto("/reports/audit?sort=action&dir=asc");
  await expect(page.getByRole("heading", { level: 1, name: "Audit Report" })).toBeVisible();
  await expect(page.locator("#audit-division")).toContainText(`Only ${water}'s rows`);
  await expect(page.locator("#audit-table")).toContainText("division.added");
  await expect(page.locator("#audit-table")).not.toContainText("auth.sign_in");
  await ready(page, info);
  await axe(page, info, "The Audit Report of one division");
  await choose("All divisions");
  await expect(page.locator("#audit-table")).toContainText("auth.sign_in");
  await expect(page.locator("#audit-division")).toHaveCount(0);
  await search(electricAccount);
  await expect(page.locator("#accounts-table")).toContainText(electricAccount);

  // The account page moves Electric's account into Water.
  await page.goto(`/accounts/${electricAccount}`);
  await expect(page.getByRole("heading", { level: 1, name: `Account ${electricAccount}` })).toBeVisible();
  await expect(page.locator("dl.detail")).toContainText(electric);
  await ready(page, info);
  await axe(page, info, "An account with its Division field");
  await page.locator("#acct-division").selectOption({ label: water });
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.locator("dl.detail")).toContainText(water);
  await expect(page.locator("#acct-division option:checked")).toHaveText(water);
  await ready(page, info);
});
