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

async function rotation(ctx) {
	const { t, svix, appUid, rcv, types, wait } = ctx;
	const [before] = ctx.secrets.get("invoices") ?? [];
	const given = newSecret();
	await t.call("endpoint.rotateSecret (key given)", () => svix.endpoint.rotateSecret(appUid, "invoices", { key: given }), (_, c) => {
		c.status(204);
		c.emptyBody();
	});
	await t.call("endpoint.getSecret (after rotation: the given key)", () => svix.endpoint.getSecret(appUid, "invoices"), (s, c) => c.eq("key", c.body?.key, given));
	ctx.addSecret("invoices", given);
	const m6 = await createMessage(ctx, "message.create m6 (to invoices, during the grace period)", { eventType: types.invoicePaid, payload: { amount: 6 }, channels: ["eu"] }, { invoices: {}, flaky: {} });
	await ctx.waitDeliveries(["invoices"]);
	const d6 = rcv.deliveries.find((d) => d.label === "invoices" && d.headers["webhook-id"] === m6?.id);
	const v6 = d6 ? ctx.verifyDelivery(d6, [before, given].filter(Boolean)) : null;
	t.check(
		"deliveries: during the grace period both the old and the new key sign",
		!d6 ? [`m6 did not reach invoices within ${wait} ms`] : v6.signedBy.length === 2 ? [] : [`signed by ${v6.signedBy.length} of the 2 keys (${signatures(d6).length} signatures)`],
	);

	await t.call("endpoint.rotateSecret (gracePeriodSeconds: 0)", () => svix.endpoint.rotateSecret(appUid, "invoices", { gracePeriodSeconds: 0 }), (_, c) => c.status(204));
	let fresh;
	await t.call("endpoint.getSecret (after rotation: a new generated key)", () => svix.endpoint.getSecret(appUid, "invoices"), (s, c) => {
		fresh = c.body?.key;
		c.ok(fresh && fresh !== given && fresh !== before, `key ${fresh} is not a new one`);
	});
	ctx.addSecret("invoices", fresh);
	const m7 = await createMessage(ctx, "message.create m7 (to invoices, no grace period)", { eventType: types.invoicePaid, payload: { amount: 7 }, channels: ["eu"] }, { invoices: {}, flaky: {} });
	await ctx.waitDeliveries(["invoices"]);
	const d7 = rcv.deliveries.find((d) => d.label === "invoices" && d.headers["webhook-id"] === m7?.id);
	const problems = [];
	if (!d7) problems.push(`m7 did not reach invoices within ${wait} ms`);
	else {
		const v = ctx.verifyDelivery(d7, [fresh].filter(Boolean));
		if (v.signedBy.length !== 1) problems.push("the new key's signature is missing");
		if (signatures(d7).length !== 1) problems.push(`${signatures(d7).length} signatures, want only the new key's (gracePeriodSeconds: 0)`);
		const old = ctx.verifyDelivery(d7, [before, given].filter(Boolean));
		if (old.signedBy.length) problems.push("an old key still signs after a rotation with gracePeriodSeconds: 0");
	}
	t.check("deliveries: after a rotation with gracePeriodSeconds 0 only the new key signs", problems);
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
		{ until: (m) => JSON.stringify(m.payload) === JSON.stringify(expired), within: wait, what: "expunged" },
	);
	await t.call("message.get (another app's message keeps its content)", () => svix.message.get(appUid, ctx.m1?.id), (m, c) => c.eq("payload", c.body?.payload, ctx.payloads.m1));
}
