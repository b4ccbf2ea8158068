CREATE TABLE "pos"."agg_basket_day" (
	"date_key" integer NOT NULL,
	"store_key" integer NOT NULL,
	"line_count" smallint NOT NULL,
	"sales" integer NOT NULL,
	CONSTRAINT "agg_basket_day_date_key_store_key_line_count_pk" PRIMARY KEY("date_key","store_key","line_count")
);
--> statement-breakpoint
CREATE TABLE "pos"."agg_product_day" (
	"date_key" integer NOT NULL,
	"store_key" integer NOT NULL,
	"product_key" integer NOT NULL,
	"lines" integer NOT NULL,
	"quantity" numeric NOT NULL,
	"net_sales" numeric NOT NULL,
	CONSTRAINT "agg_product_day_date_key_store_key_product_key_pk" PRIMARY KEY("date_key","store_key","product_key")
);
--> statement-breakpoint
CREATE TABLE "pos"."agg_store_hour" (
	"date_key" integer NOT NULL,
	"store_key" integer NOT NULL,
	"local_hour" smallint NOT NULL,
	"sales" integer NOT NULL,
	"returns" integer NOT NULL,
	"lines" integer NOT NULL,
	"net_sales" numeric NOT NULL,
	"discount" numeric NOT NULL,
	"tax" numeric NOT NULL,
	"total" numeric NOT NULL,
	"returns_total" numeric NOT NULL,
	"last_occurred_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "agg_store_hour_date_key_store_key_local_hour_pk" PRIMARY KEY("date_key","store_key","local_hour")
);
--> statement-breakpoint
CREATE TABLE "pos"."agg_tender_day" (
	"date_key" integer NOT NULL,
	"store_key" integer NOT NULL,
	"payment_method_key" integer NOT NULL,
	"transactions" integer NOT NULL,
	"total" numeric NOT NULL,
	CONSTRAINT "agg_tender_day_date_key_store_key_payment_method_key_pk" PRIMARY KEY("date_key","store_key","payment_method_key")
);
--> statement-breakpoint
CREATE TABLE "pos"."retention" (
	"only" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"facts_from" integer NOT NULL,
	"pruned_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "retention_only_check" CHECK ("pos"."retention"."only")
);
--> statement-breakpoint
ALTER TABLE "pos"."fact_transaction" DROP CONSTRAINT "fact_transaction_transaction_id_store_key_date_key_key";--> statement-breakpoint
DROP INDEX "pos"."fact_sales_line_date_key_idx";--> statement-breakpoint
DROP INDEX "pos"."fact_sales_line_store_key_idx";--> statement-breakpoint
DROP INDEX "pos"."fact_sales_line_product_key_idx";--> statement-breakpoint
DROP INDEX "pos"."fact_transaction_store_key_idx";--> statement-breakpoint
DROP INDEX "pos"."fact_transaction_original_transaction_id_idx";--> statement-breakpoint
CREATE INDEX "fact_transaction_original_transaction_id_idx" ON "pos"."fact_transaction" USING btree ("original_transaction_id") WHERE "pos"."fact_transaction"."original_transaction_id" is not null;--> statement-breakpoint
-- The aggregates of the facts already stored (src/warehouse/aggregates.ts, as it was then). Nothing is
-- pruned yet: pos.retention stays empty until the first prune, so that a fresh warehouse has no rows.
INSERT INTO pos.agg_store_hour (date_key, store_key, local_hour, sales, returns, lines, net_sales, discount, tax, total, returns_total, last_occurred_at)
select date_key, store_key, local_hour,
count(*) filter (where type = 'sale')::int as sales,
count(*) filter (where type = 'return')::int as returns,
sum(line_count)::int as lines,
sum(subtotal) as net_sales, sum(discount_total) as discount, sum(tax_total) as tax, sum(total) as total,
coalesce(sum(total) filter (where type = 'return'), 0.00) as returns_total,
max(occurred_at) as last_occurred_at
from pos.fact_transaction where date_key >= 0
group by date_key, store_key, local_hour;--> statement-breakpoint
INSERT INTO pos.agg_product_day (date_key, store_key, product_key, lines, quantity, net_sales)
select date_key, store_key, product_key, count(*)::int as lines, sum(quantity) as quantity, sum(line_total) as net_sales
from pos.fact_sales_line where date_key >= 0
group by date_key, store_key, product_key;--> statement-breakpoint
INSERT INTO pos.agg_tender_day (date_key, store_key, payment_method_key, transactions, total)
select date_key, store_key, payment_method_key, count(*)::int as transactions, sum(total) as total
from pos.fact_transaction where date_key >= 0
group by date_key, store_key, payment_method_key;--> statement-breakpoint
INSERT INTO pos.agg_basket_day (date_key, store_key, line_count, sales)
select date_key, store_key, line_count, count(*)::int as sales
from pos.fact_transaction where type = 'sale' and date_key >= 0
group by date_key, store_key, line_count;
