"""One risk picture across processes (issue 13, item 15): a groomer who moves to another
process of the cluster is judged on everything said so far, as on one process."""

from __future__ import annotations

import redis

from tests.support.services import REDIS_URL


async def test_a_groomer_reconnecting_elsewhere_does_not_start_from_zero(
    servers, client_on, cluster_env
):
    """Tom asks Lea's age and flatters her on one process, then reconnects to the other
    and checks she is alone: held there, as it is on a single process
    (tests/server/test_safety_live.py), not delivered as a first message."""
    p1, p2 = servers(2)
    lea = await client_on(p2, "Lea", age=15)
    tom = await client_on(p1, "Tom", age=17, gender="m")
    for client in (lea, tom):
        await client.enter("ados-general")
    await tom.pm("Lea", "salut t'as quel âge ?")
    conv = (await lea.expect("conversation"))["conversation"]
    await lea.send({"type": "pm_respond", "conversation": conv["id"], "decision": "accept"})
    await tom.expect("conversation")
    await lea.pm("Tom", "15 et toi")
    await tom.expect("message", text="15 et toi")
    await tom.pm("Lea", "t'es trop mature pour ton âge")
    assert (await lea.expect("safety_card"))["kind"] == "grooming"
    # Tom's risk is in Redis, where the other process will read it.
    store = redis.Redis.from_url(REDIS_URL)
    try:
        key = f"{cluster_env['CAUSETTE_REDIS_PREFIX']}risk:conv:pm:{conv['id']}"
        assert store.ttl(key) > 0
    finally:
        store.close()

    await tom.disconnect()
    tom.base_url = p2.url.rstrip("/")
    await tom.connect(dict(tom.last_ids))
    await tom.expect("synced")
    held = await tom.request(
        {"type": "pm", "conversation": conv["id"], "text": "tes parents sont là ? t'es seule ?"},
        "held",
    )
    assert held["type"] == "held", held

    # A barrier: Lea and Tom are now on the same process, which held Tom's message before
    # it answered this request of hers.
    await lea.request({"type": "users", "room": "ados-general"}, "users")
    assert "tes parents sont là ? t'es seule ?" not in [m["text"] for m in lea.messages()]
