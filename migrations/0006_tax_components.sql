CREATE TABLE "pos"."agg_tax_day" (
	"date_key" integer NOT NULL,
	"store_key" integer NOT NULL,
	"tax_key" integer NOT NULL,
	"lines" integer NOT NULL,
	"taxable" numeric NOT NULL,
	"tax" numeric NOT NULL,
	CONSTRAINT "agg_tax_day_date_key_store_key_tax_key_pk" PRIMARY KEY("date_key","store_key","tax_key")
);
--> statement-breakpoint
CREATE TABLE "pos"."dim_tax" (
	"tax_key" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pos"."dim_tax_tax_key_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"jurisdiction" text NOT NULL,
	"code" text NOT NULL,
	"rate" numeric(7, 6) NOT NULL,
	"valid_from" date NOT NULL,
	"valid_to" date NOT NULL,
	CONSTRAINT "dim_tax_jurisdiction_code_rate_key" UNIQUE("jurisdiction","code","rate")
);
--> statement-breakpoint
CREATE TABLE "pos"."fact_line_tax" (
	"transaction_id" uuid NOT NULL,
	"line_no" smallint NOT NULL,
	"tax_key" integer NOT NULL,
	"date_key" integer NOT NULL,
	"store_key" integer NOT NULL,
	"taxable" numeric(18, 2) NOT NULL,
	"tax" numeric(18, 2) NOT NULL,
	CONSTRAINT "fact_line_tax_transaction_id_line_no_tax_key_pk" PRIMARY KEY("transaction_id","line_no","tax_key")
);
--> statement-breakpoint
ALTER TABLE "pos"."fact_sales_line" ALTER COLUMN "tax_rate" SET DATA TYPE numeric;--> statement-breakpoint
ALTER TABLE "pos"."dim_store" ADD COLUMN "currency" char(3);--> statement-breakpoint
-- NOT VALID: the lines stored before were numeric(5,4), inside the bounds; checking them would read the whole table.
ALTER TABLE "pos"."fact_sales_line" ADD CONSTRAINT "fact_sales_line_tax_rate_check" CHECK (scale("pos"."fact_sales_line"."tax_rate") <= 6 and abs("pos"."fact_sales_line"."tax_rate") < 10) NOT VALID;--> statement-breakpoint
-- Each store's currency, from its facts (a store trades in one currency); one pass over the transactions.
UPDATE pos.dim_store s SET currency = c.currency
from (select store_key, max(currency) as currency from pos.fact_transaction group by store_key) c
where c.store_key = s.store_key;--> statement-breakpoint
-- Every line stored so far is of contract v1: a line with a rate is one tax component, named as
-- src/tax/jurisdictions.ts names it (v1TaxComponentName): "US-STATE" of the state in the US, else
-- "TAX" of the province, or of the country when the region is none of the table's.
CREATE TEMPORARY TABLE v1_store_tax AS
select s.store_key, case when s.country = 'US' then 'US-STATE' else 'TAX' end as code,
       coalesce(r.jurisdiction, s.country) as jurisdiction
from pos.dim_store s
left join (values
('US', 'Alabama', 'US-AL'),
('US', 'Alaska', 'US-AK'),
('US', 'Arizona', 'US-AZ'),
('US', 'Arkansas', 'US-AR'),
('US', 'California', 'US-CA'),
('US', 'Colorado', 'US-CO'),
('US', 'Connecticut', 'US-CT'),
('US', 'Delaware', 'US-DE'),
('US', 'District of Columbia', 'US-DC'),
('US', 'Florida', 'US-FL'),
('US', 'Georgia', 'US-GA'),
('US', 'Hawaii', 'US-HI'),
('US', 'Idaho', 'US-ID'),
('US', 'Illinois', 'US-IL'),
('US', 'Indiana', 'US-IN'),
('US', 'Iowa', 'US-IA'),
('US', 'Kansas', 'US-KS'),
('US', 'Kentucky', 'US-KY'),
('US', 'Louisiana', 'US-LA'),
('US', 'Maine', 'US-ME'),
('US', 'Maryland', 'US-MD'),
('US', 'Massachusetts', 'US-MA'),
('US', 'Michigan', 'US-MI'),
('US', 'Minnesota', 'US-MN'),
('US', 'Mississippi', 'US-MS'),
('US', 'Missouri', 'US-MO'),
('US', 'Montana', 'US-MT'),
('US', 'Nebraska', 'US-NE'),
('US', 'Nevada', 'US-NV'),
('US', 'New Hampshire', 'US-NH'),
('US', 'New Jersey', 'US-NJ'),
('US', 'New Mexico', 'US-NM'),
('US', 'New York', 'US-NY'),
('US', 'North Carolina', 'US-NC'),
('US', 'North Dakota', 'US-ND'),
('US', 'Ohio', 'US-OH'),
('US', 'Oklahoma', 'US-OK'),
('US', 'Oregon', 'US-OR'),
('US', 'Pennsylvania', 'US-PA'),
('US', 'Rhode Island', 'US-RI'),
('US', 'South Carolina', 'US-SC'),
('US', 'South Dakota', 'US-SD'),
('US', 'Tennessee', 'US-TN'),
('US', 'Texas', 'US-TX'),
('US', 'Utah', 'US-UT'),
('US', 'Vermont', 'US-VT'),
('US', 'Virginia', 'US-VA'),
('US', 'Washington', 'US-WA'),
('US', 'West Virginia', 'US-WV'),
('US', 'Wisconsin', 'US-WI'),
('US', 'Wyoming', 'US-WY'),
('CA', 'Alberta', 'CA-AB'),
('CA', 'British Columbia', 'CA-BC'),
('CA', 'Manitoba', 'CA-MB'),
('CA', 'New Brunswick', 'CA-NB'),
('CA', 'Newfoundland and Labrador', 'CA-NL'),
('CA', 'Northwest Territories', 'CA-NT'),
('CA', 'Nova Scotia', 'CA-NS'),
('CA', 'Nunavut', 'CA-NU'),
('CA', 'Ontario', 'CA-ON'),
('CA', 'Prince Edward Island', 'CA-PE'),
('CA', 'Quebec', 'CA-QC'),
('CA', 'Saskatchewan', 'CA-SK'),
('CA', 'Yukon', 'CA-YT')
) as r (country, region, jurisdiction) on r.country = s.country and r.region = s.region;--> statement-breakpoint
INSERT INTO pos.dim_tax (jurisdiction, code, rate, valid_from, valid_to)
select t.jurisdiction, t.code, l.tax_rate, to_date(min(l.date_key)::text, 'YYYYMMDD'), to_date(max(l.date_key)::text, 'YYYYMMDD')
from pos.fact_sales_line l join v1_store_tax t using (store_key)
where l.tax_rate <> 0
group by t.jurisdiction, t.code, l.tax_rate
order by t.jurisdiction, t.code, l.tax_rate;--> statement-breakpoint
INSERT INTO pos.fact_line_tax (transaction_id, line_no, tax_key, date_key, store_key, taxable, tax)
select l.transaction_id, l.line_no, d.tax_key, l.date_key, l.store_key, l.line_total, l.tax
from pos.fact_sales_line l
join v1_store_tax t using (store_key)
join pos.dim_tax d on d.jurisdiction = t.jurisdiction and d.code = t.code and d.rate = l.tax_rate
where l.tax_rate <> 0;--> statement-breakpoint
DROP TABLE v1_store_tax;--> statement-breakpoint
-- The aggregate of the components (src/warehouse/aggregates.ts, as it was then), for the days the facts hold.
INSERT INTO pos.agg_tax_day (date_key, store_key, tax_key, lines, taxable, tax)
select date_key, store_key, tax_key, count(*)::int as lines, sum(taxable) as taxable, sum(tax) as tax
from pos.fact_line_tax where date_key >= 0
group by date_key, store_key, tax_key;