// messages.mjs sends the tour's first five messages while the receiver
// fails "flaky", then tours message lists and reads, attempt lists and
// reads, and endpoint stats on what came of them.
//
//   m1 user.created, eventId, idempotencyKey -> main, flaky
//   m2 invoice.paid, channel eu              -> invoices, flaky
//   m3 invoice.paid, channel us              -> flaky
//   m4 user.deleted, created withContent: false -> main
//   mT user.deleted, tags [tag-a, tag-b]     -> main
//
// Each optional feature rides on one message of its own, so that a server
// refusing it fails that message's calls, not every list. Where a message
// is missing (its create failed, and said so), lists are expected without it.
//
// flaky fails 3 messages: with 3 attempts each (the test server's two
// retries) that is 9 consecutive failures, one short of the 10 that open
// Hookline's circuit breaker, which would hold the rest back.

import { ids, present, sleep, sorted } from "./util.mjs";

const Success = 0;
const Fail = 2;

export async function messagesAndAttempts(ctx) {
	await sendFirstMessages(ctx);
	await messageReads(ctx);
	await attempts(ctx);
	await stats(ctx);
}

// createMessage sends one message and notes where it must be delivered.
export async function createMessage(ctx, name, body, to, { options, check } = {}) {
	const msg = await ctx.t.call(name, () => ctx.svix.message.create(ctx.appUid, body, options), (m, c) => {
		c.status(202);
		c.shape("MessageOut");
		c.ok(c.body?.id?.startsWith("msg_"), `id ${c.body?.id} does not start with msg_`);
		c.eq("eventType", c.body?.eventType, body.eventType);
		// The SDK always asks with_content=false and fills in the payload
		// it sent itself, unless told withContent: false.
		c.eq("payload on the wire (with_content=false)", c.body?.payload, {});
		c.eq("payload the SDK returns", m.payload, options?.withContent === false ? {} : body.payload);
		if (body.tags) c.eq("tags", sorted(c.body?.tags), sorted(body.tags));
		if (body.channels) c.eq("channels", c.body?.channels, body.channels);
		if (body.eventId) c.eq("eventId", c.body?.eventId, body.eventId);
		check?.(c);
	});
	if (msg) {
		ctx.messages.set(msg.id, { eventType: body.eventType, payload: body.payload });
		for (const [label, how] of Object.entries(to)) ctx.expect(label, msg.id, how);
	}
	return msg;
}

async function sendFirstMessages(ctx) {
	const { t, svix, types, rcv, appUid } = ctx;
	rcv.answer("flaky", 500);
	const failing = { ok: 0, failed: true };
	const m1In = { eventType: types.userCreated, payload: { id: "u_1", plan: "free" }, eventId: `evt-1-${ctx.run}` };
	const key = `tour-${ctx.run}-m1`;
	ctx.m1 = await createMessage(ctx, "message.create m1 (eventId, idempotencyKey)", m1In, { main: {}, flaky: failing }, { options: { idempotencyKey: key } });
	ctx.since = ctx.m1 ? new Date(new Date(ctx.m1.timestamp).getTime() - 1000) : new Date(Date.now() - 60000);
	await t.call("message.create m1 again (same idempotencyKey: the same message)", () => svix.message.create(appUid, m1In, { idempotencyKey: key }), (m, c) => {
		c.shape("MessageOut");
		c.eq("id", c.body?.id, ctx.m1?.id);
	});
	ctx.m2 = await createMessage(ctx, "message.create m2 (channel eu)", { eventType: types.invoicePaid, payload: { amount: 42 }, channels: ["eu"] }, { invoices: {}, flaky: failing });
	// m3 must be later than m2 on the server's clock, for before/after.
	await sleep(20);
	ctx.m3 = await createMessage(ctx, "message.create m3 (channel us)", { eventType: types.invoicePaid, payload: { amount: 7 }, channels: ["us"] }, { flaky: failing });
	ctx.m4 = await createMessage(
		ctx,
		"message.create m4 (withContent: false)",
		{ eventType: types.userDeleted, payload: { id: "u_1" } },
		{ main: {} },
		{ options: { withContent: false } },
	);
	ctx.mT = await createMessage(ctx, "message.create mT (tags)", { eventType: types.userDeleted, payload: { id: "u_2" }, tags: ["tag-a", "tag-b"] }, { main: {} });
	ctx.payloads = { m1: m1In.payload, m4: { id: "u_1" } };
}

async function messageReads(ctx) {
	const { t, svix, appUid, types } = ctx;
	const [m1, m2, m3, m4, mT] = [ctx.m1, ctx.m2, ctx.m3, ctx.m4, ctx.mT].map((m) => m?.id);
	const list = (what, options, want, extra) =>
		t.call(`message.list (${what})`, () => svix.message.list(appUid, options), (l, c) => {
			c.shape("ListResponseMessageOut");
			c.eq("IDs", ids(c.items), present(want));
			extra?.(c);
		});
	await list("newest first", undefined, [mT, m4, m3, m2, m1], (c) => {
		c.eq("m1's payload", c.items.find((m) => m.id === m1)?.payload, ctx.payloads.m1);
	});
	await list("eventTypes", { eventTypes: [types.invoicePaid] }, [m3, m2]);
	await list("channel", { channel: "eu" }, [m2]);
	await list("tag", { tag: "tag-b" }, [mT]);
	if (ctx.m2 && ctx.m3) {
		const mid = new Date((new Date(ctx.m2.timestamp).getTime() + new Date(ctx.m3.timestamp).getTime()) / 2);
		await list("before", { before: mid }, [m2, m1]);
		await list("after", { after: mid }, [mT, m4, m3]);
	}
	await list("withContent: false", { withContent: false }, [mT, m4, m3, m2, m1], (c) => {
		for (const m of c.items) c.eq(`payload of ${m.id}`, m.payload, {});
	});
	await t.call("message.list (pages of 3)", async () => {
		const first = await svix.message.list(appUid, { limit: 3 });
		return [first, await svix.message.list(appUid, { limit: 3, iterator: first.iterator })];
	}, ([first, second], c) => {
		c.eq("IDs", ids(c.items), present([mT, m4, m3, m2, m1]));
		c.eq("first page done", first.done, false);
		c.eq("second page done", second.done, true);
	});
	await t.call("message.get", () => svix.message.get(appUid, m1), (m, c) => {
		c.shape("MessageOut");
		c.eq("payload", c.body?.payload, ctx.payloads.m1);
		c.eq("eventId", c.body?.eventId, `evt-1-${ctx.run}`);
	});
	await t.call("message.get (mT, its tags)", () => svix.message.get(appUid, mT ?? "msg_none"), (m, c) => {
		c.shape("MessageOut");
		c.eq("tags", sorted(c.body?.tags), ["tag-a", "tag-b"]);
	});
	await t.call("message.get (by eventId)", () => svix.message.get(appUid, `evt-1-${ctx.run}`), (m, c) => {
		c.shape("MessageOut");
		c.eq("id", c.body?.id, m1);
	});
	await t.call("message.get (withContent: false)", () => svix.message.get(appUid, m1, { withContent: false }), (m, c) => {
		c.shape("MessageOut");
		c.eq("payload", c.body?.payload, {});
	});
	await t.call("message.get m4 (created withContent: false, stored whole)", () => svix.message.get(appUid, m4), (m, c) => {
		c.eq("payload", c.body?.payload, ctx.payloads.m4);
	});
}

async function attempts(ctx) {
	const { t, svix, appUid, types, wait } = ctx;
	const [m1, m4, mT] = [ctx.m1?.id, ctx.m4?.id, ctx.mT?.id];
	const onMain = present([m1, m4, mT]);
	const mainId = ctx.endpointIds.get("main");
	const flakyId = ctx.endpointIds.get("flaky");
	const byEndpoint = (label, what, options, check, until) =>
		t.call(
			`messageAttempt.listByEndpoint (${label}, ${what})`,
			() => svix.messageAttempt.listByEndpoint(appUid, label, options),
			(l, c) => {
				c.shape("ListResponseMessageAttemptOut");
				check(c);
			},
			until ? { until, within: wait, what: "answered as expected" } : {},
		);
	const attemptsOf = (c) => sorted(c.items.map((a) => a.msgId));

	let listed; // m1's attempt on main, as the list answered it
	const okMain = await byEndpoint(
		"main",
		"every message delivered",
		undefined,
		(c) => {
			c.eq("message IDs", attemptsOf(c), sorted(onMain));
			listed = c.items.find((a) => a.msgId === m1);
			for (const a of c.items) {
				c.eq(`${a.id} status`, a.status, Success);
				c.eq(`${a.id} statusText`, a.statusText, "success");
				c.eq(`${a.id} responseStatusCode`, a.responseStatusCode, 200);
				c.eq(`${a.id} response`, a.response, "ok");
				c.eq(`${a.id} triggerType`, a.triggerType, 0);
				c.eq(`${a.id} endpointId`, a.endpointId, mainId);
				c.eq(`${a.id} url`, a.url, ctx.rcv.url("main"));
			}
		},
		(l) => l.data.length >= onMain.length,
	);
	const mainAttempt = okMain?.data.find((a) => a.msgId === m1);
	await byEndpoint("main", "withMsg", { withMsg: true }, (c) => {
		for (const a of c.items) {
			c.eq(`${a.id} msg.id`, a.msg?.id, a.msgId);
			c.eq(`${a.id} msg.eventType`, a.msg?.eventType, ctx.messages.get(a.msgId)?.eventType);
		}
	});
	await byEndpoint("main", "status: Success", { status: Success }, (c) => c.eq("message IDs", attemptsOf(c), sorted(onMain)));
	await byEndpoint("main", "status: Fail", { status: Fail }, (c) => c.eq("message IDs", attemptsOf(c), []));
	await byEndpoint("main", "statusCodeClass: 2xx", { statusCodeClass: 200 }, (c) => c.eq("message IDs", attemptsOf(c), sorted(onMain)));
	await byEndpoint("main", "statusCodeClass: 5xx", { statusCodeClass: 500 }, (c) => c.eq("message IDs", attemptsOf(c), []));
	await byEndpoint("main", "eventTypes", { eventTypes: [types.userDeleted] }, (c) => c.eq("message IDs", attemptsOf(c), sorted(present([m4, mT]))));
	await byEndpoint("main", "tag", { tag: "tag-a" }, (c) => c.eq("message IDs", attemptsOf(c), present([mT])));

	// flaky's three messages fail for good once the retry schedule runs out.
	const flakyIds = sorted(present([ctx.m1, ctx.m2, ctx.m3].map((m) => m?.id)));
	await t.call(
		"messageAttempt.listAttemptedMessages (flaky, status: Fail)",
		() => svix.messageAttempt.listAttemptedMessages(appUid, "flaky", { status: Fail }),
		(l, c) => {
			c.shape("ListResponseEndpointMessageOut");
			c.eq("message IDs", sorted(ids(c.items)), flakyIds);
			for (const m of c.items) {
				c.eq(`${m.id} statusText`, m.statusText, "fail");
				c.ok(m.nextAttempt == null, `${m.id} nextAttempt ${m.nextAttempt}, want none once failed`);
			}
		},
		{ until: (l) => l.data.length >= flakyIds.length && l.data.every((m) => m.nextAttempt == null), within: wait, what: "failed for good (is the server's --retry-schedule short?)" },
	);
	await byEndpoint("flaky", "status: Fail", { status: Fail }, (c) => {
		c.eq("message IDs", [...new Set(attemptsOf(c))], flakyIds);
		for (const a of c.items) {
			c.eq(`${a.id} statusText`, a.statusText, "fail");
			c.eq(`${a.id} responseStatusCode`, a.responseStatusCode, 500);
		}
	});
	await t.call("messageAttempt.listAttemptedMessages (main)", () => svix.messageAttempt.listAttemptedMessages(appUid, "main"), (l, c) => {
		c.shape("ListResponseEndpointMessageOut");
		c.eq("message IDs (newest first)", ids(c.items), present([mT, m4, m1]));
		for (const m of c.items) c.eq(`${m.id} statusText`, m.statusText, "success");
	});
	await t.call(
		"messageAttempt.listAttemptedMessages (main, eventTypes)",
		() => svix.messageAttempt.listAttemptedMessages(appUid, "main", { eventTypes: [types.userCreated] }),
		(l, c) => c.eq("message IDs", ids(c.items), present([m1])),
	);
	await t.call("messageAttempt.listByMsg (m1)", () => svix.messageAttempt.listByMsg(appUid, m1), (l, c) => {
		c.shape("ListResponseMessageAttemptOut");
		c.eq("endpoints", sorted([...new Set(c.items.map((a) => a.endpointId))]), sorted([mainId, flakyId]));
	});
	await t.call("messageAttempt.listByMsg (m1, endpointId)", () => svix.messageAttempt.listByMsg(appUid, m1, { endpointId: mainId }), (l, c) => {
		c.shape("ListResponseMessageAttemptOut");
		c.eq("attempt IDs", ids(c.items), [mainAttempt?.id]);
	});
	await t.call("messageAttempt.listAttemptedDestinations (m1)", () => svix.messageAttempt.listAttemptedDestinations(appUid, m1), (l, c) => {
		c.shape("ListResponseMessageEndpointOut");
		c.eq("endpoints", sorted(ids(c.items)), sorted([mainId, flakyId]));
		const main = c.items.find((e) => e.id === mainId);
		const flaky = c.items.find((e) => e.id === flakyId);
		c.eq("main's statusText", main?.statusText, "success");
		c.eq("main's url", main?.url, ctx.rcv.url("main"));
		c.eq("flaky's statusText", flaky?.statusText, "fail");
	});
	await t.call("messageAttempt.get", () => svix.messageAttempt.get(appUid, m1, mainAttempt?.id ?? "atmpt_none"), (a, c) => {
		c.shape("MessageAttemptOut");
		c.eq("attempt (as listed)", c.body, listed);
	});
	await t.call("messageAttempt.expungeContent", () => svix.messageAttempt.expungeContent(appUid, m1, mainAttempt?.id ?? "atmpt_none"), (_, c) => {
		c.status(204);
		c.emptyBody();
	});
	await t.call("messageAttempt.get (expunged)", () => svix.messageAttempt.get(appUid, m1, mainAttempt?.id ?? "atmpt_none"), (a, c) => {
		c.shape("MessageAttemptOut");
		c.eq("response", c.body?.response, "EXPUNGED");
	});
}

async function stats(ctx) {
	const { t, svix, appUid } = ctx;
	const sent = (label) => [...(ctx.expected.get(label)?.keys() ?? [])].length;
	const want = {
		main: { success: sent("main"), pending: 0, sending: 0, fail: 0, canceled: 0 },
		flaky: { success: 0, pending: 0, sending: 0, fail: sent("flaky"), canceled: 0 },
	};
	for (const [label, counts] of Object.entries(want)) {
		await t.call(`endpoint.getStats (${label})`, () => svix.endpoint.getStats(appUid, label), (s, c) => {
			c.shape("EndpointStats");
			c.eq("counts", c.body, counts);
		});
	}
	await t.call("endpoint.getStats (since, until: now)", () => svix.endpoint.getStats(appUid, "main", { since: ctx.since, until: new Date() }), (s, c) => {
		c.shape("EndpointStats");
		c.eq("counts", c.body, want.main);
	});
}
