"""The words people are shown for kaflow's own names: rules, kinds of refusal, steps and
fields, marked for the catalog (translated where they are shown: the pages, the CLI)."""

from __future__ import annotations

from kaflow.application.language import N_

RULES = {
    "R1": N_("A prospect is classified when identified."),
    "R2": N_("The account is analysed before first contact."),
    "R3": N_("The value proposition is recorded against the six advantage dimensions."),
    "R4": N_("The approach is decided in a meeting chaired by a development manager or above."),
    "R5": N_("A contact records its channel, the person reached, their attitude and notes."),
    "R6": N_("A visit is led by a development manager or above."),
    "R7": N_("A pre-visit conference is held before each visit."),
    "R8": N_("Material is prepared before the visit."),
    "R9": N_("The visit is face to face."),
    "R10": N_("The visit record is complete."),
    "R11": N_("A follow-up happens within 7 days of the visit."),
    "R12": N_("A won account is classified and entered into the registry."),
    "R13": N_("A lost account records a classified reason and an analysis."),
    "R14": N_("The development record exists and is reviewed."),
    "lifecycle": N_("This step is not allowed in the account's present state."),
    "archived": N_("The account is archived: it takes no more steps."),
    "access": N_("You are not allowed to do this."),
    "duplicate": N_("This is likely a duplicate of an existing account."),
    "version": N_("The account changed since you read it."),
    "sign_in": N_("Unknown user or wrong password."),
    "throttled": N_("Too many failed sign-ins: wait a minute and try again."),
}
KINDS = {
    "refused": N_("Refused"),
    "bad_input": N_("Please check what you entered"),
    "not_found": N_("Not found"),
    "conflict": N_("Someone else changed this at the same time: try again"),
    "unavailable": N_("The store is unavailable"),
}
STEPS = {
    "analyse": N_("Analyse"),
    "approach": N_("Decide the approach"),
    "contact": N_("Contact"),
    "conference": N_("Pre-visit conference"),
    "prepare": N_("Prepare material"),
    "visit": N_("Visit"),
    "follow-up": N_("Follow-up"),
    "win": N_("Win"),
    "lose": N_("Lose"),
    "reopen": N_("Reopen"),
    "review": N_("Review the record"),
}
FIELDS = {
    "method": N_("Method"),
    "chair": N_("Chair"),
    "notes": N_("Notes"),
    "channel": N_("Channel"),
    "person": N_("Person"),
    "attitude": N_("Attitude"),
    "participants": N_("Participants (comma-separated)"),
    "customer_data": N_("Customer data"),
    "analysis": N_("Analysis"),
    "sales_materials": N_("Sales materials"),
    "lead": N_("Lead"),
    "place": N_("Place"),
    "manner": N_("Manner"),
    "points": N_("Main talking points"),
    "views": N_("Customer's views"),
    "next_steps": N_("Next steps"),
    "feedback": N_("Feedback"),
    "classification": N_("Classification"),
    "summary": N_("Summary"),
    "reason": N_("Reason"),
    "remarks": N_("Remarks"),
    "at": N_("When it happened (default: now)"),
}
STATES = {
    "identified": N_("identified"),
    "analysed": N_("analysed"),
    "contacted": N_("contacted"),
    "visited": N_("visited"),
    "followed_up": N_("followed up"),
    "won": N_("won"),
    "lost": N_("lost"),
}
DONE = {  # what the CLI says a step did
    "approach": N_("approach decided"),
    "contact": N_("contact recorded"),
    "conference": N_("pre-visit conference recorded"),
    "prepare": N_("visit material prepared"),
    "visit": N_("visit recorded"),
    "follow-up": N_("follow-up recorded"),
    "win": N_("won and entered in the key-account registry"),
    "lose": N_("lost, with the failure analysis recorded"),
    "reopen": N_("reopened"),
}
SAID = {  # the CLI's confirmations of a command done
    "step": N_("%(name)s: %(done)s; now %(state)s."),
    "analysed": N_("Analysed %(name)s: development value %(value)s; state %(state)s."),
    "assigned": N_("%(name)s: now owned by %(owner)s."),
    "edited": N_("%(name)s: edited."),
    "archived": N_("%(name)s: archived."),
}
