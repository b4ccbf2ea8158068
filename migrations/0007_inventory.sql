CREATE TABLE "pos"."fact_inventory_movement" (
	"event_id" uuid NOT NULL,
	"line_no" smallint NOT NULL,
	"store_id" text NOT NULL,
	"sku" text NOT NULL,
	"date_key" integer NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"kind" text NOT NULL,
	"reason" text NOT NULL,
	"quantity" numeric(12, 3) NOT NULL,
	CONSTRAINT "fact_inventory_movement_event_id_line_no_pk" PRIMARY KEY("event_id","line_no")
);
--> statement-breakpoint
CREATE TABLE "pos"."inventory_event" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"reason" text NOT NULL,
	"store_id" text NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"date_key" integer NOT NULL,
	"reference" text,
	"lines" integer NOT NULL,
	"payload_hash" "bytea" NOT NULL,
	"source_topic" text,
	"source_partition" integer,
	"source_offset" bigint,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inventory_event_type_check" CHECK ("pos"."inventory_event"."type" in ('receipt', 'adjustment'))
);
--> statement-breakpoint
CREATE TABLE "pos"."stock_on_hand" (
	"store_id" text NOT NULL,
	"sku" text NOT NULL,
	"quantity" numeric(14, 3) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stock_on_hand_store_id_sku_pk" PRIMARY KEY("store_id","sku")
);
--> statement-breakpoint
-- Every sales batch adds to a few thousand of its rows: room on each page keeps the updates HOT
-- (no new index entry per update).
ALTER TABLE "pos"."stock_on_hand" SET (fillfactor = 50);--> statement-breakpoint
CREATE INDEX "fact_inventory_movement_store_sku_idx" ON "pos"."fact_inventory_movement" USING btree ("store_id","sku","occurred_at");--> statement-breakpoint
-- Every stock movement: the sales' and returns' derived from their lines (a sale takes, a return
-- puts back), and the inventory messages' as stored. Nothing is stored twice.
CREATE VIEW "pos"."stock_movement" AS
select st.store_id, p.sku, l.date_key, t.occurred_at,
       case when l.quantity < 0 then 'return' else 'sale' end as kind, t.type as reason,
       -l.quantity as quantity, l.transaction_id as source_id
from pos.fact_sales_line l
join pos.fact_transaction t on t.transaction_id = l.transaction_id
join pos.dim_store st on st.store_key = l.store_key
join pos.dim_product p on p.product_key = l.product_key
union all
select store_id, sku, date_key, occurred_at, kind, reason, quantity, event_id
from pos.fact_inventory_movement;--> statement-breakpoint
-- The stock that the sales stored so far moved, from their aggregates (kept by pos db prune).
INSERT INTO "pos"."stock_on_hand" (store_id, sku, quantity)
select st.store_id, p.sku, -sum(a.quantity)
from pos.agg_product_day a
join pos.dim_store st on st.store_key = a.store_key
join pos.dim_product p on p.product_key = a.product_key
group by st.store_id, p.sku;
