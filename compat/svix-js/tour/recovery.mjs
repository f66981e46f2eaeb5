// recovery.mjs tours what sends a message again or anew: recover (flaky's
// failed messages), replayMissing (to an endpoint created after them),
// resend, and sendExample.

import { createMessage } from "./messages.mjs";
import { ids, present, sorted } from "./util.mjs";

const Success = 0;
const Manual = 1;

export async function recovery(ctx) {
	const { t, svix, appUid, rcv, types, wait } = ctx;
	const first = present([ctx.m1, ctx.m2, ctx.m3].map((m) => m?.id));

	// recover: flaky answers 200 from now on; its three failed messages must
	// each arrive once more, as manual attempts.
	rcv.answer("flaky", 200);
	await t.call("endpoint.recover (flaky)", () => svix.endpoint.recover(appUid, "flaky", { since: ctx.since }), (r, c) => {
		c.status(202);
		c.shape("RecoverOut");
		c.eq("task", c.body?.task, "endpoint.recover");
		c.ok(["running", "finished"].includes(c.body?.status), `status ${c.body?.status}, want running or finished`);
	});
	for (const id of first) ctx.expect("flaky", id);
	const recovered = await ctx.waitDeliveries(["flaky"]);
	t.check(`deliveries: recover sent each of flaky's ${first.length} failed messages again`, recovered ? [] : [`after ${wait} ms flaky has ${first.map((id) => ctx.received("flaky", id)).join(", ")} successful deliveries of m1..m3, want 1 each`]);
	await t.call(
		"messageAttempt.listByMsg (m1 on flaky, after recover)",
		() => svix.messageAttempt.listByMsg(appUid, ctx.m1?.id, { endpointId: ctx.endpointIds.get("flaky") }),
		(l, c) => {
			c.shape("ListResponseMessageAttemptOut");
			const newest = c.items[0];
			c.eq("newest attempt's status", newest?.status, Success);
			c.eq("newest attempt's triggerType (manual, as resend's)", newest?.triggerType, Manual);
		},
		{ until: (l) => l.data[0]?.status === Success, within: wait, what: "showing the recovered attempt" },
	);

	// replayMissing: "late" is created after m1; m5 reaches it as usual;
	// replay must then bring m1 (its one missing user.created) and nothing
	// it already has.
	const late = await t.call(
		"endpoint.create late (after m1)",
		() => svix.endpoint.create(appUid, { url: rcv.url("late"), uid: "late", filterTypes: [types.userCreated] }),
		(ep, c) => {
			c.status(201);
			c.shape("EndpointOut");
		},
	);
	if (late) ctx.endpointIds.set("late", late.id);
	await t.call("endpoint.getSecret (late)", () => svix.endpoint.getSecret(appUid, "late"), (s, c) => {
		c.shape("EndpointSecretOut");
		ctx.addSecret("late", c.body?.key);
	});
	ctx.m5 = await createMessage(ctx, "message.create m5 (user.created)", { eventType: types.userCreated, payload: { id: "u_5" } }, { main: {}, flaky: {}, late: {} });
	await ctx.waitDeliveries(["late"]);
	await t.call("endpoint.replayMissing (late)", () => svix.endpoint.replayMissing(appUid, "late", { since: ctx.since }), (r, c) => {
		c.status(202);
		c.shape("ReplayOut");
		c.eq("task", c.body?.task, "endpoint.replay");
	});
	ctx.expect("late", ctx.m1?.id);
	const asked = t.lastOk;
	const replayed = asked && (await ctx.waitDeliveries(["late"]));
	t.check(
		"deliveries: replayMissing sent late the user.created it missed",
		replayed ? [] : [asked ? `after ${wait} ms late has ${ctx.received("late", ctx.m1?.id)} deliveries of m1, want 1` : "replayMissing failed, so m1 never came"],
	);

	// resend: m4 to main once more; m2 was never routed to main.
	await t.call("messageAttempt.resend (m4 to main)", () => svix.messageAttempt.resend(appUid, ctx.m4?.id, "main"), (r, c) => {
		c.status(202);
		c.shape("EmptyResponse");
	});
	ctx.expect("main", ctx.m4?.id);
	await t.call(
		"messageAttempt.listByMsg (m4 on main, after resend)",
		() => svix.messageAttempt.listByMsg(appUid, ctx.m4?.id, { endpointId: ctx.endpointIds.get("main") }),
		(l, c) => {
			c.eq("attempts", c.items.length, 2);
			c.eq("newest attempt's triggerType", c.items[0]?.triggerType, Manual);
			c.eq("newest attempt's status", c.items[0]?.status, Success);
		},
		{ until: (l) => l.data.length >= 2 && l.data[0].status === Success, within: wait, what: "showing the resent attempt" },
	);
	await t.callFails("messageAttempt.resend (m2 to main, which it was never routed to)", () => svix.messageAttempt.resend(appUid, ctx.m2?.id, "main"), (err, c) => c.status(404));

	// sendExample: the event type's example, to main alone.
	const ex = await t.call("endpoint.sendExample (main)", () => svix.endpoint.sendExample(appUid, "main", { eventType: types.userCreated }), (m, c) => {
		c.shape("MessageOut");
		c.eq("eventType", c.body?.eventType, types.userCreated);
		c.eq("payload (the schema's example)", c.body?.payload, ctx.example);
	});
	if (ex) {
		ctx.messages.set(ex.id, { eventType: types.userCreated, payload: ctx.example });
		ctx.expect("main", ex.id);
	}
	const got = await ctx.waitDeliveries(["main"]);
	t.check("deliveries: resend and sendExample reached main", got ? [] : [`after ${wait} ms main lacks the resent m4 or the example`]);
	const exDelivery = rcv.deliveries.find((d) => d.headers["webhook-id"] === ex?.id);
	t.check("deliveries: the example's body is the example", exDelivery && JSON.stringify(JSON.parse(exDelivery.body)) === JSON.stringify(ctx.example) ? [] : [`body ${exDelivery?.body}, want ${JSON.stringify(ctx.example)}`]);
	await t.call("messageAttempt.listAttemptedDestinations (the example)", () => svix.messageAttempt.listAttemptedDestinations(appUid, ex?.id ?? "msg_none"), (l, c) => {
		c.shape("ListResponseMessageEndpointOut");
		c.eq("endpoints", sorted(ids(c.items)), [ctx.endpointIds.get("main")]);
	});
}
