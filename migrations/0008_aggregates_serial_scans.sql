-- The aggregate tables are read whole by a report (a product-day row per store, date and
-- product): a parallel scan of them cost more than it saved. At 20 million lines the
-- last 7 days of top-products took 60 ms with a worker against 41 ms without (all time: 38 ms),
-- and up to 122 ms on a busy 2-core machine. Reads of the facts keep their parallel plans.
ALTER TABLE "pos"."agg_store_hour" SET (parallel_workers = 0);--> statement-breakpoint
ALTER TABLE "pos"."agg_product_day" SET (parallel_workers = 0);--> statement-breakpoint
ALTER TABLE "pos"."agg_tender_day" SET (parallel_workers = 0);--> statement-breakpoint
ALTER TABLE "pos"."agg_basket_day" SET (parallel_workers = 0);--> statement-breakpoint
ALTER TABLE "pos"."agg_tax_day" SET (parallel_workers = 0);
