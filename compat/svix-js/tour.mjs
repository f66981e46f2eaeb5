// tour.mjs drives a running Hookline server through the official Svix
// JavaScript SDK: every resource and method of the SDK, checking what each
// call answers, while a receiver on 127.0.0.1 verifies every delivery with
// the SDK's Webhook class and with standardwebhooks.
//
//   HOOKLINE_URL=http://127.0.0.1:8071 HOOKLINE_ADMIN_TOKEN=... node tour.mjs
//
// The server must allow private targets (the receiver is on loopback) and
// should retry quickly (e.g. --retry-schedule 50ms,100ms): the tour waits
// for one endpoint's messages to fail for good before recovering them.
// Optional: HOOKLINE_TOUR_WAIT_MS bounds each wait for the server's
// background work (default 15000); HOOKLINE_TOUR_REPORT names a Markdown
// file to write every failure to, with what was sent and what came back.
//
// It prints one line per call (ok / FAIL and why) and a summary, and exits
// 1 when anything failed, 2 when it could not run at all.

import { readFileSync } from "node:fs";
import { Svix } from "svix";
import { Tour } from "./lib/runner.mjs";
import { startReceiver, verifyDelivery } from "./lib/receiver.mjs";
import { track, sdkMethods } from "./tour/coverage.mjs";
import { eventTypesAndApps } from "./tour/basics.mjs";
import { endpoints } from "./tour/endpoints.mjs";
import { messagesAndAttempts } from "./tour/messages.mjs";
import { recovery } from "./tour/recovery.mjs";
import { secretsAndContent } from "./tour/content.mjs";
import { authentication } from "./tour/auth.mjs";
import { unsupported } from "./tour/unsupported.mjs";
import { reconcile } from "./tour/deliveries.mjs";

const url = process.env.HOOKLINE_URL;
const token = process.env.HOOKLINE_ADMIN_TOKEN;
if (!url || !token) {
	console.error("tour: set HOOKLINE_URL (e.g. http://127.0.0.1:8071) and HOOKLINE_ADMIN_TOKEN");
	process.exit(2);
}
const wait = Number(process.env.HOOKLINE_TOUR_WAIT_MS ?? 15000);

const version = (pkg) => JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url), "utf8")).version;
const title = `Svix JavaScript SDK ${version("svix")} (standardwebhooks ${version("standardwebhooks")}, Node ${process.version}) against ${url}`;
console.log(`tour: ${title}`);

const t = new Tour();
const called = new Set();
// Every client the tour makes shares the recording fetch, a bounded
// request time, and no SDK retries: a 5xx is reported, not retried away.
const clientFor = (tok) =>
	track(new Svix(tok, { serverUrl: url, fetch: t.fetch, requestTimeout: 10000, numRetries: 0 }), called);

// run tells apart the objects of two tours against the same server.
const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
const rcv = await startReceiver();

const ctx = {
	t,
	svix: clientFor(token),
	clientFor,
	url,
	wait,
	run,
	rcv,
	// Names the tour creates; event type names are global on a server.
	types: {
		userCreated: `tour${run}.user.created`,
		userDeleted: `tour${run}.user.deleted`,
		invoicePaid: `tour${run}.invoice.paid`,
		scratch: `tour${run}.scratch`,
		gone: `tour${run}.gone`,
	},
	example: { id: "u_example", plan: "pro" },
	appUid: `tour-${run}`,
	since: null, // set from the server's clock by the first message
	endpointIds: new Map(), // receiver label -> endpoint ID
	secrets: new Map(), // receiver label -> every secret it has had
	// expected: receiver label -> message ID -> {ok, failed}: how many
	// successful deliveries must arrive, and whether failed ones must too.
	expected: new Map(),
	messages: new Map(), // message ID -> {eventType, payload} as sent
	addSecret(label, key) {
		if (!key) return;
		const list = this.secrets.get(label) ?? [];
		if (!list.includes(key)) list.push(key);
		this.secrets.set(label, list);
	},
	expect(label, msgId, { ok = 1, failed = false } = {}) {
		if (!msgId) return;
		const byMsg = this.expected.get(label) ?? new Map();
		const e = byMsg.get(msgId) ?? { ok: 0, failed: false };
		e.ok += ok;
		e.failed ||= failed;
		byMsg.set(msgId, e);
		this.expected.set(label, byMsg);
	},
	// received counts successful deliveries of msgId to label so far.
	received(label, msgId) {
		return rcv.deliveries.filter((d) => d.label === label && d.headers["webhook-id"] === msgId && d.status < 300).length;
	},
	// waitDeliveries waits until every expected successful delivery came.
	waitDeliveries(labels = [...this.expected.keys()]) {
		return rcv.waitFor(
			() => labels.every((l) => [...(this.expected.get(l) ?? new Map())].every(([id, e]) => this.received(l, id) >= e.ok)),
			wait,
		);
	},
	verifyDelivery,
};

try {
	await t.call("health.get", () => ctx.svix.health.get(), (_, c) => {
		c.status(204);
		c.emptyBody();
	});
	await eventTypesAndApps(ctx);
	await endpoints(ctx);
	await messagesAndAttempts(ctx);
	await recovery(ctx);
	await secretsAndContent(ctx);
	await authentication(ctx);
	await unsupported(ctx);
	await reconcile(ctx);
	const missed = sdkMethods(ctx.svix).filter((m) => !called.has(m));
	t.check(`coverage: every method of the SDK (${sdkMethods(ctx.svix).length}) was called`, missed.map((m) => `${m} was never called`));
} catch (err) {
	t.check("tour", [`stopped early: ${err?.stack ?? err}`]);
} finally {
	await rcv.close();
}

console.log(`\nsummary: ${t.summary()}; ${rcv.deliveries.length} deliveries received`);
if (process.env.HOOKLINE_TOUR_REPORT) {
	t.writeReport(process.env.HOOKLINE_TOUR_REPORT, `# ${title}`);
}
process.exit(t.failures.length === 0 ? 0 : 1);
