-- Payer Support finds accounts by the last 4 digits of a card or bank
-- account used on them (a payment) or saved by one of their payers.
-- Keep in step with ../sqlite/0011_last4_search.sql.
CREATE INDEX payments_by_card_last4 ON payments (card_last4, account_id) WHERE card_last4 IS NOT NULL;
CREATE INDEX payments_by_bank_last4 ON payments (bank_last4, account_id) WHERE bank_last4 IS NOT NULL;
CREATE INDEX saved_methods_by_card_last4 ON saved_methods (card_last4) WHERE card_last4 IS NOT NULL;
CREATE INDEX saved_methods_by_bank_last4 ON saved_methods (bank_last4) WHERE bank_last4 IS NOT NULL;
