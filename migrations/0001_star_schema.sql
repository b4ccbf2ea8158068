CREATE TABLE "pos"."dead_letter" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"topic" text,
	"partition" integer,
	"offset" bigint,
	"key" "bytea",
	"raw_value" "bytea",
	"error_code" text NOT NULL,
	"error_detail" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	CONSTRAINT "dead_letter_topic_partition_offset_key" UNIQUE("topic","partition","offset")
);
--> statement-breakpoint
CREATE TABLE "pos"."dim_customer" (
	"customer_key" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pos"."dim_customer_customer_key_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"customer_id" text NOT NULL,
	"name" text NOT NULL,
	"email" text NOT NULL,
	"loyalty_tier" text NOT NULL,
	"attributes_as_of" timestamp with time zone NOT NULL,
	CONSTRAINT "dim_customer_customer_id_unique" UNIQUE("customer_id")
);
--> statement-breakpoint
CREATE TABLE "pos"."dim_date" (
	"date_key" integer PRIMARY KEY NOT NULL,
	"full_date" date NOT NULL,
	"year" smallint NOT NULL,
	"quarter" smallint NOT NULL,
	"month" smallint NOT NULL,
	"month_name" text NOT NULL,
	"day_of_month" smallint NOT NULL,
	"iso_day_of_week" smallint NOT NULL,
	"day_name" text NOT NULL,
	"iso_week" smallint NOT NULL,
	"iso_year" smallint NOT NULL,
	"is_weekend" boolean NOT NULL,
	CONSTRAINT "dim_date_full_date_unique" UNIQUE("full_date")
);
--> statement-breakpoint
CREATE TABLE "pos"."dim_payment_method" (
	"payment_method_key" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pos"."dim_payment_method_payment_method_key_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"method" text NOT NULL,
	"card_brand" text,
	CONSTRAINT "dim_payment_method_method_card_brand_key" UNIQUE NULLS NOT DISTINCT("method","card_brand")
);
--> statement-breakpoint
CREATE TABLE "pos"."dim_product" (
	"product_key" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pos"."dim_product_product_key_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"sku" text NOT NULL,
	"name" text NOT NULL,
	"category" text NOT NULL,
	"brand" text NOT NULL,
	"unit" text NOT NULL,
	"attributes_as_of" timestamp with time zone NOT NULL,
	CONSTRAINT "dim_product_sku_unique" UNIQUE("sku")
);
--> statement-breakpoint
CREATE TABLE "pos"."dim_store" (
	"store_key" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pos"."dim_store_store_key_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"store_id" text NOT NULL,
	"name" text NOT NULL,
	"city" text NOT NULL,
	"region" text NOT NULL,
	"country" char(2) NOT NULL,
	"timezone" text NOT NULL,
	"attributes_as_of" timestamp with time zone NOT NULL,
	CONSTRAINT "dim_store_store_id_unique" UNIQUE("store_id")
);
--> statement-breakpoint
CREATE TABLE "pos"."fact_sales_line" (
	"transaction_id" uuid NOT NULL,
	"line_no" smallint NOT NULL,
	"product_key" integer NOT NULL,
	"store_key" integer NOT NULL,
	"date_key" integer NOT NULL,
	"customer_key" integer,
	"quantity" numeric(12, 3) NOT NULL,
	"unit_price" numeric(18, 2) NOT NULL,
	"discount" numeric(18, 2) NOT NULL,
	"tax_rate" numeric(5, 4) NOT NULL,
	"tax" numeric(18, 2) NOT NULL,
	"line_total" numeric(18, 2) NOT NULL,
	CONSTRAINT "fact_sales_line_transaction_id_line_no_pk" PRIMARY KEY("transaction_id","line_no")
);
--> statement-breakpoint
CREATE TABLE "pos"."fact_transaction" (
	"transaction_id" uuid PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"original_transaction_id" uuid,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"date_key" integer NOT NULL,
	"local_hour" smallint NOT NULL,
	"store_key" integer NOT NULL,
	"register_id" text NOT NULL,
	"cashier_id" text NOT NULL,
	"customer_key" integer,
	"payment_method_key" integer NOT NULL,
	"currency" char(3) NOT NULL,
	"subtotal" numeric(18, 2) NOT NULL,
	"discount_total" numeric(18, 2) NOT NULL,
	"tax_total" numeric(18, 2) NOT NULL,
	"total" numeric(18, 2) NOT NULL,
	"line_count" smallint NOT NULL,
	"source_topic" text,
	"source_partition" integer,
	"source_offset" bigint,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"payload_hash" "bytea" NOT NULL,
	CONSTRAINT "fact_transaction_transaction_id_store_key_date_key_key" UNIQUE("transaction_id","store_key","date_key"),
	CONSTRAINT "fact_transaction_type_check" CHECK ("pos"."fact_transaction"."type" in ('sale', 'return'))
);
--> statement-breakpoint
CREATE TABLE "pos"."ingest_offset" (
	"consumer_group" text NOT NULL,
	"topic" text NOT NULL,
	"partition" integer NOT NULL,
	"next_offset" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ingest_offset_consumer_group_topic_partition_pk" PRIMARY KEY("consumer_group","topic","partition")
);
--> statement-breakpoint
ALTER TABLE "pos"."fact_sales_line" ADD CONSTRAINT "fact_sales_line_product_key_dim_product_product_key_fk" FOREIGN KEY ("product_key") REFERENCES "pos"."dim_product"("product_key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pos"."fact_sales_line" ADD CONSTRAINT "fact_sales_line_customer_key_dim_customer_customer_key_fk" FOREIGN KEY ("customer_key") REFERENCES "pos"."dim_customer"("customer_key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pos"."fact_sales_line" ADD CONSTRAINT "fact_sales_line_transaction_fk" FOREIGN KEY ("transaction_id","store_key","date_key") REFERENCES "pos"."fact_transaction"("transaction_id","store_key","date_key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pos"."fact_transaction" ADD CONSTRAINT "fact_transaction_date_key_dim_date_date_key_fk" FOREIGN KEY ("date_key") REFERENCES "pos"."dim_date"("date_key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pos"."fact_transaction" ADD CONSTRAINT "fact_transaction_store_key_dim_store_store_key_fk" FOREIGN KEY ("store_key") REFERENCES "pos"."dim_store"("store_key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pos"."fact_transaction" ADD CONSTRAINT "fact_transaction_customer_key_dim_customer_customer_key_fk" FOREIGN KEY ("customer_key") REFERENCES "pos"."dim_customer"("customer_key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pos"."fact_transaction" ADD CONSTRAINT "fact_transaction_payment_method_key_dim_payment_method_payment_method_key_fk" FOREIGN KEY ("payment_method_key") REFERENCES "pos"."dim_payment_method"("payment_method_key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dead_letter_unpublished_idx" ON "pos"."dead_letter" USING btree ("id") WHERE "pos"."dead_letter"."published_at" is null;--> statement-breakpoint
CREATE INDEX "fact_sales_line_date_key_idx" ON "pos"."fact_sales_line" USING btree ("date_key");--> statement-breakpoint
CREATE INDEX "fact_sales_line_store_key_idx" ON "pos"."fact_sales_line" USING btree ("store_key");--> statement-breakpoint
CREATE INDEX "fact_sales_line_product_key_idx" ON "pos"."fact_sales_line" USING btree ("product_key");--> statement-breakpoint
CREATE INDEX "fact_transaction_date_key_idx" ON "pos"."fact_transaction" USING btree ("date_key");--> statement-breakpoint
CREATE INDEX "fact_transaction_store_key_idx" ON "pos"."fact_transaction" USING btree ("store_key");--> statement-breakpoint
CREATE INDEX "fact_transaction_original_transaction_id_idx" ON "pos"."fact_transaction" USING btree ("original_transaction_id");