ALTER TABLE "pos"."fact_sales_line" DROP CONSTRAINT "fact_sales_line_product_key_dim_product_product_key_fk";
--> statement-breakpoint
ALTER TABLE "pos"."fact_sales_line" DROP CONSTRAINT "fact_sales_line_customer_key_dim_customer_customer_key_fk";
--> statement-breakpoint
ALTER TABLE "pos"."fact_sales_line" DROP CONSTRAINT "fact_sales_line_transaction_fk";
--> statement-breakpoint
ALTER TABLE "pos"."fact_transaction" DROP CONSTRAINT "fact_transaction_date_key_dim_date_date_key_fk";
--> statement-breakpoint
ALTER TABLE "pos"."fact_transaction" DROP CONSTRAINT "fact_transaction_store_key_dim_store_store_key_fk";
--> statement-breakpoint
ALTER TABLE "pos"."fact_transaction" DROP CONSTRAINT "fact_transaction_customer_key_dim_customer_customer_key_fk";
--> statement-breakpoint
ALTER TABLE "pos"."fact_transaction" DROP CONSTRAINT "fact_transaction_payment_method_key_dim_payment_method_payment_method_key_fk";
