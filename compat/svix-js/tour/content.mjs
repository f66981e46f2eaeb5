// content.mjs tours secret rotation (with its grace period and without),
// message content expunged one at a time and all at once, precheck, and a
// message that creates its application inline.

import { createMessage } from "./messages.mjs";
import { newSecret } from "./util.mjs";

const expired = { expired: true }; // Svix's payload once content is gone

export async function secretsAndContent(ctx) {
	await rotation(ctx);
	await content(ctx);
}

// signatures lists the v1 signatures of a delivery's webhook-signature.
const signatures = (d) => (d?.headers["webhook-signature"] ?? "").split(" ").filter(Boolean);

// rotation rotates invoices' secret twice. Svix keeps each retired key
// until its own grace period ends (rotate_key in svix-server's
// endpoint/secrets.rs), so the order matters: first with no grace period,
// after which only the new key may sign; then with a given key and the
// default grace period, after which the given key and the one it replaced
// sign, and the first key still does not.
async function rotation(ctx) {
	const { t, svix, appUid, types } = ctx;
	const [first] = ctx.secrets.get("invoices") ?? [];
	await t.call("endpoint.rotateSecret (gracePeriodSeconds: 0)", () => svix.endpoint.rotateSecret(appUid, "invoices", { gracePeriodSeconds: 0 }), (_, c) => {
		c.status(204);
		c.emptyBody();
	});
	let second;
	await t.call("endpoint.getSecret (after rotation: a new generated key)", () => svix.endpoint.getSecret(appUid, "invoices"), (s, c) => {
		second = c.body?.key;
		c.ok(second && second !== first, `key ${second} is not a new one`);
	});
	ctx.addSecret("invoices", second);
	await signedBy(ctx, "m6 (to invoices, no grace period)", { amount: 6 }, { sign: [second], not: [first] });

	const given = newSecret();
	await t.call("endpoint.rotateSecret (key given, default grace period)", () => svix.endpoint.rotateSecret(appUid, "invoices", { key: given }), (_, c) => c.status(204));
	await t.call("endpoint.getSecret (after rotation: the given key)", () => svix.endpoint.getSecret(appUid, "invoices"), (s, c) => c.eq("key", c.body?.key, given));
	ctx.addSecret("invoices", given);
	await signedBy(ctx, "m7 (to invoices, during the grace period)", { amount: 7 }, { sign: [given, second], not: [first] });

	// signedBy sends an invoice.paid to invoices and checks which keys
	// signed its delivery: each of sign, none of not, and nothing else.
	async function signedBy(ctx, what, payload, { sign, not }) {
		const m = await createMessage(ctx, `message.create ${what}`, { eventType: types.invoicePaid, payload, channels: ["eu"] }, { invoices: {}, flaky: {} });
		await ctx.waitDeliveries(["invoices"]);
		const d = ctx.rcv.deliveries.find((x) => x.label === "invoices" && x.headers["webhook-id"] === m?.id);
		const problems = [];
		if (!d) problems.push(`${m?.id ?? "the message"} did not reach invoices within ${ctx.wait} ms`);
		else {
			const by = ctx.verifyDelivery(d, sign.filter(Boolean)).signedBy.length;
			if (by !== sign.length) problems.push(`signed by ${by} of the ${sign.length} keys that must sign`);
			if (ctx.verifyDelivery(d, not.filter(Boolean)).signedBy.length) problems.push("a key retired with gracePeriodSeconds 0 still signs");
			const n = signatures(d).length;
			if (n !== sign.length) problems.push(`${n} signatures, want ${sign.length}`);
		}
		t.check(`deliveries: ${what}: signed by exactly the keys in force`, problems);
	}
}

async function content(ctx) {
	const { t, svix, appUid, types, wait } = ctx;
	await t.call("message.expungeContent (m3)", () => svix.message.expungeContent(appUid, ctx.m3?.id), (_, c) => {
		c.status(204);
		c.emptyBody();
	});
	await t.call("message.get (m3, expunged)", () => svix.message.get(appUid, ctx.m3?.id), (m, c) => {
		c.shape("MessageOut");
		c.eq("payload", c.body?.payload, expired);
	});

	await t.call("message.precheck (an event type main subscribes to)", () => svix.message.precheck(appUid, { eventType: types.userCreated }), (p, c) => {
		c.shape("MessagePrecheckOut");
		c.eq("active", c.body?.active, true);
	});
	await t.call(
		"message.precheck (channel eu)",
		() => svix.message.precheck(appUid, { eventType: types.invoicePaid, channels: ["eu"] }),
		(p, c) => c.eq("active", c.body?.active, true),
	);

	// An app made by the message that names it; it has no endpoints.
	const inline = `${appUid}-inline`;
	const msg = await t.call(
		"message.create (inline application, new uid)",
		() => svix.message.create(inline, { application: { name: "Inline", uid: inline }, eventType: types.userCreated, payload: { id: "u_inline" } }),
		(m, c) => {
			c.status(202);
			c.shape("MessageOut");
			c.eq("payload the SDK returns", m.payload, { id: "u_inline" });
		},
	);
	if (msg) ctx.messages.set(msg.id, { eventType: types.userCreated, payload: { id: "u_inline" } });
	await t.call("application.get (the app the message created)", () => svix.application.get(inline), (a, c) => {
		c.shape("ApplicationOut");
		c.eq("name", c.body?.name, "Inline");
		c.eq("uid", c.body?.uid, inline);
	});
	await t.call("message.precheck (an app without endpoints)", () => svix.message.precheck(inline, { eventType: types.userCreated }), (p, c) => {
		c.shape("MessagePrecheckOut");
		c.eq("active", c.body?.active, false);
	});
	await t.call("message.expungeAllContents (the inline app)", () => svix.message.expungeAllContents(inline), (r, c) => {
		c.status(202);
		c.shape("ExpungeAllContentsOut");
		c.eq("task", c.body?.task, "application.purge_content");
	});
	await t.call(
		"message.get (after expungeAllContents)",
		() => svix.message.get(inline, msg?.id ?? "msg_none"),
		(m, c) => c.eq("payload", c.body?.payload, expired),
		{ until: (m) => JSON.stringify(m.payload) === JSON.stringify(expired), within: t.lastOk ? wait : 0, what: "expunged" },
	);
	await t.call("message.get (another app's message keeps its content)", () => svix.message.get(appUid, ctx.m1?.id), (m, c) => c.eq("payload", c.body?.payload, ctx.payloads.m1));
}
