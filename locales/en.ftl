# aboard's staff interface in English: the catalogue every other language is held to.
# One message per line, id = text; { $name } is filled in by aboard.

# The language's own name, as the pages offer it in every language.
language-name = English

## Pages

skip-to-content = Skip to content
home = Home
sign-in = Sign in
sign-out = Sign out
login = Login
password = Password
wrong-credentials = Wrong login or password.
too-many-signins = Too many failed sign-ins for this login or from this address. Try again later.
form-expired = This form had expired. Please try again.
signed-in-as = Signed in as
role = Role
stations = Stations
languages = Languages
your-pages = Your pages
no-pages-yet = The pages for your role are not available yet.
gate-tasks = Gate tasks
open-station = Open a station
station = Station (IATA code)
open = Open
times-in = Times in
due = Due
expires = Expires
gate = Gate
priority = Priority
task = Task
state = State
no-open-tasks = No open tasks at this station.
forbidden = Not allowed
forbidden-text = Your role or scope does not cover this page.
not-found = Not found
not-found-text = There is nothing at this address.
back-home = Back to the start page
bad-address = This address is not right
recorded = Recorded
undo = Undo
undone = Undone: the task is back on the list, as yours.
too-late-to-undo = Too late to undo: the outcome stands.
unknown-station = No such station
unknown-station-text = No airport has this code. Check the three letters of the station's IATA code, such as MAD.
escalated = Urgent: deadline near or past
bad-date-text = The date in the address must be written YYYY-MM-DD, for example 2026-11-22.
staff-accounts = Staff accounts
api-tokens = API tokens
stations-staffing = Stations and shifts
add-account = Add an account
all-accounts = All accounts
display-name = Name shown
stations-or-languages = Stations or languages
page-language = Page language
account-enabled = Enabled
account-disabled = Disabled
stations-help = Gate agents only: IATA codes, e.g. MAD, BCN.
languages-help = Advisors only: language codes, e.g. es, en.
temporary-password-help = aboard makes a temporary password and shows it once; hand it to the person.
temporary-password = Temporary password
new-api-token = New API token
shown-once = Copy it now: it is shown only once and aboard keeps no copy.
done = Done
save = Save
changes-saved = Changes saved.
reset-password = Reset the password
disable-account = Disable the account
enable-account = Enable the account
account-disabled-done = The account is disabled and its sessions are ended.
account-enabled-done = The account can sign in again.
token-revoked-done = The token is revoked.
create-token = Create a token
created-at = Created
last-used = Last used
never = Never
revoke = Revoke
revoked = Revoked
staffed = Staffed
shift-starts = Shift starts
shift-ends = Shift ends
shift-help = Shift times are the station's local time. Leave both empty for staff around the clock; a shift that ends before it starts runs past midnight.
no-stations-yet = No station has been set yet.
add-station = Add or change a station
choose-role = Choose a role.
bad-login = The login may have 1 to 64 letters, digits, '.', '-' or '_', starting with a letter or digit.
login-taken = That login is already taken.
bad-language-code = Languages are two-letter codes such as es or en.
bad-station-code = Stations are three-letter IATA codes such as MAD.
gate-needs-station = A gate agent needs at least one station.
advisor-needs-language = An advisor needs at least one language.
scope-not-for-role = Only gate agents have stations and only advisors have languages.
bad-token-name = A token's name must have 1 to 100 characters.
bad-shift = A shift needs both a start and an end (HH:MM), or neither for around the clock.
keep-own-admin = You cannot take the administrator role from your own account.
keep-own-account = You cannot disable your own account.
social-tasks = Social tasks
passenger = Passenger
language = Language
flight = Flight
claim = Claim
open-task = Open
claimed-by-you = Claimed by you
claimed-by-other = Claimed by someone else
no-social-tasks = No social tasks for your languages.
why-this-task = Why this task exists
cases = Complaint cases
no-cases = No cases on record.
networks = Networks
can-write-now = Can be written to now
human-agent-only = Can be written to now as a human agent's reply (within 7 days of their last message)
template-only-now = Only an approved template may be sent now
no-template-configured = No approved template is configured ([messaging.templates]), so nothing can be sent on this network now.
cannot-write-now = Cannot be written to now
route = Route
departure = Departure
arrival = Arrival
flight-status = Status
write-message = Your message
write-own-words = Write in your own words: aboard never suggests a text.
network = Network
send = Send
template = Approved template
free-text-no-template = None: free text
template-parameters = Template parameters, one per line
near-duplicate = This text is nearly the same as one already sent to another passenger. Make it about this person.
send-anyway = Send it anyway
messages = Messages
no-messages = No messages yet.
message-queued = Queued
message-sending = Sending
message-sent = Sent
message-failed = Failed
message-unknown = Sent, not confirmed yet: waiting for the network to say whether it arrived
message-unconfirmed = Not confirmed: the network never said whether it arrived. It was not sent again.
message-delivered = Delivered
message-read = Read
send-again = Send it again
person-replied = The person wrote
new-replies = New replies on your tasks
not-delivered = No network is configured: messages are recorded here and NOT delivered to anyone.
demo-network = Demo: messages go to a fake local network, where some passengers answer a few seconds later.
will-retry = Will retry after
sandbox-note = Sandbox: recorded, not delivered. This is what would have been sent.
outcome = Outcome
note = Note (optional)
record-outcome = Record the outcome and close
claim-to-write = Claim the task to write to the passenger.
task-is-closed = This task is closed.
opened = Opened
case-open = Open
case-resolved = Resolved
outcome-message-sent = Message sent
outcome-talked-all-well = Replied: all well
outcome-talked-new-issue = Replied: a new issue
outcome-not-found = Could not reach them
outcome-declined = Did not want contact
asked-no-contact = Asked not to be contacted
back-to-queue = Back to the social tasks
task-taken = Someone else claimed this task first.
choose-gate = Choose a station and gate, or a flight
gate-optional = Gate (optional)
show = Show
todays-flights = Today's flights
no-flights-today = No flights today at your stations.
live-updates = This list updates by itself.
estimated = Estimated
status = Status
print-list = Cabin crew list
no-tasks-for-flight = No open tasks for this flight.
talked-all-well = Talked, all well
talked-new-issue = Talked, new issue
passenger-not-found = Not found
declined = Declined
offloaded = Offloaded
cabin-list = Cabin crew list
back-to-list = Back to the gate list
seat = Seat
name = Name
brief = Brief
flights-board = Flights board
no-flights-on-date = No flights on this date.
destination = Destination
open-tasks = Open
claimed-tasks = Claimed
done-tasks = Done
ended-tasks = Expired or cancelled
rules-in-force = Rules in force
source = Source
shipped-rules = the rules built into aboard
loaded-at = Loaded at
last-error = Last refused reload
none-word = None
rule-ids = Rules
scheduler-jobs = Scheduler jobs
job = Job
schedule = Schedule
runs-here = Runs on this instance
next-run = Next run
last-run = Last run
yes = Yes
no = No
outcome-refused = Outcome not recorded
outcome-refused-text = That outcome is not one the gate can record. Go back and tap one of the outcome buttons.
match-review = Match review
review-intro = Passengers the matcher could not be sure of, the soonest flights first. Compare the booking with the registry person and decide: your decision is remembered and wins on this passenger's later flights too.
no-review-cases = Nothing to review for your languages.
review-showing-first = Showing the most urgent cases only; decide them to see more. Shown
manifest-passenger = Passenger (manifest)
registry-person = Person (registry)
field = Field
comparison = Compared
passport-name = Passport name (DOCS)
date-of-birth = Date of birth
frequent-flyer = Frequent-flyer number
email = E-mail
phone = Phone
booking-and-seat = Booking · seat / registry id
country-and-language = Nationality / country · language
match-score = Score
matcher-reasons = The matcher's reasons
evidence-agrees = agrees
evidence-conflicts = conflicts
evidence-differs = differs (proves nothing)
time-not-known = departure time not known yet
confirm-same-person = Confirm: same person
reject-not-same-person = Reject: not the same person
link-confirmed = Confirmed
link-rejected = Rejected
is-same-person = is
is-not-same-person = is not
decision-remembered = Remembered for this passenger's later flights.
decision-refused = Decision not recorded
decision-refused-text = Choose confirm or reject.
import-files = Import files
import-help = A file is refused whole only when a flight, passenger or person cannot be known: it shows every problem with its line, and nothing of it is kept. A value that cannot be understood is a warning: the record is kept without it.
what-the-files-hold = What the files hold
manifest-files = Passenger manifests (PNL, ADL, CSV or JSON), SSIM schedules or MVT messages
registry-files = Registry exports from social care (CSV or JSON)
manifest-format = Manifest format
format-from-content = Tell from the content
files-to-import = Files
import-button = Import
import-results = Result
file-imported = imported
file-refused = refused, nothing was imported
file = File
line = Line
reason = Reason
more-errors = more errors not listed
warnings = Warnings
warnings-help = Values that could not be understood: each record was kept, without the value or with it as written.
more-warnings = more warnings not listed
choose-a-file = Choose a file to import.
upload-too-large = The upload is too large.
upload-unreadable = The upload could not be read; try again.
held-messages = Incomplete Type B messages
held-messages-help = PNL and ADL parts are held until their message is complete, then applied whole. An ADL waits for its flight's PNL.
type-b-message = Message
parts-held = Parts held
parts-missing = Parts missing
waiting-for = Waiting for
waiting-for-parts = missing parts
waiting-for-flight-pnl = the flight's PNL
waiting-for-earlier-message = an earlier incomplete message
waiting-for-turn = its turn
age = Age
im-going = I'm going
you-are-going = You're going
claimed-by = Going:
event-stream = Event stream
no-events = No events match these filters.
time = Time
kind = Kind
actor = Actor
subject = Subject
person = Person
detail = Detail
next-page = Next page
from = From
to = To
channel = Channel
rule = Rule
reports = Reports
reports-intro = Dates are each station's local dates. Every table downloads as CSV.
download-csv = Download CSV
report-funnel = Funnel
report-latency = Latency (minutes)
report-histogram = Latency histogram
report-deadlines-by-station = Deadlines by station
report-deadlines-by-desk = Deadlines by desk
report-deadlines-by-hour = Deadlines by local hour due
report-matching = Identity matching
charts = Charts
ambassador-candidates = Ambassador candidates
ambassadors-intro = Persons whose follow-ups ended all well at least twice, with no open case, who never opted out of contact; widest reach first.
no-ambassadors = No candidates yet.
registry-id = Registry id
all-well = All well
reach = Reach (followers)

## Did it help: the holdout report

uplift = Did it help? Uplift against the holdout group
uplift-intro = Passengers the rules chose, treated (followed up) against held out (the holdout group, who got no follow-up), by their flight's local date. Each outcome is looked for within the days after the flight; a passenger counts once their outcome can be known. Differences are treated minus held out, in percentage points, with their 95% interval.
uplift-days = Days after the flight
uplift-groups = Groups
treated = Treated
held-out = Held out
exempt = Never held out (open case)
outcome-new-case = A new complaint case (registry)
outcome-active = Active about the airline (registry)
outcome-flew-again = Flew again (manifests)

## The match review's score; the scheduler's catch-up runs and why a job does not run here

match-score-scale = The score adds up the evidence: frequent-flyer number 12, booking e-mail 9, phone 8, date of birth 7, surname and given name up to 4 each; each conflict takes 10 away. 44 is everything agreeing. It orders the list; the matcher's rules, not a threshold on the score, decide.
catch-up-of = catching up the run due
job-scheduler-off = the scheduler is off on this instance (scheduler.enabled)
job-turned-off = turned off in the configuration
job-setting-not-set = { $setting } is not set
job-misconfigured = the configuration is wrong: { $why }

## The gate view without a network

offline-waiting = No network: your taps are kept on this tablet and sent when it is back. Waiting:
offline-sent = Network back: every tap was sent.

## Your own account

my-account = My account
my-language = Language of my pages
language-changed = Your pages are now in English.

## A task's brief and why it exists

brief-in-english = in English
flight-time-unknown = Flight time unknown: deadline assumed.
rule-expression-for-ops = Rule expressions are shown to operations staff.

## How far away a due time is: $span is "12 min" or "2 h 05 min"

until-now = now
until-ahead = in { $span }
until-late = { $span } late

## Why an advisor's send was refused

empty-message = Write a message before sending it.
no-recipient = The person's { $network } account has no network user id to write to.
template-required = Only an approved template may be sent on { $network } now: choose one.
not-allowed-no-opt-in = the person has not opted in to messages from the airline on { $network }
not-allowed-direct-messages-closed = on X the person neither follows the airline nor accepts messages from anyone
not-allowed-window-closed = { $network } only allows a reply within 7 days of the person's last message, which was { $days } days ago
not-allowed-never-first = { $network } never lets a business write first, and the person has not written to us
not-allowed-opted-out = the person asked not to be contacted on { $network }
not-allowed-response-window-closed = { $network }'s 24-hour window closed after this message was written, so it was not sent; only a human agent's reply (HUMAN_AGENT tag) may go now: write it again
not-allowed-template-only-now = { $network }'s 24-hour window closed after this message was written, so it was not sent; only an approved template may go now
not-allowed-no-templates = { $network } takes no templates: write the text itself

## Roles

role-ops = Operations
role-gate = Gate agent
role-advisor = Customer advisor
role-admin = Administrator
role-analyst = Analyst

## Task states

task-state-open = Open
task-state-claimed = Claimed
task-state-done = Done
task-state-expired = Expired
task-state-cancelled = Cancelled

## Flight statuses

flight-status-scheduled = Scheduled
flight-status-check-in = Check-in
flight-status-boarding = Boarding
flight-status-gate-closed = Gate closed
flight-status-departed = Departed
flight-status-delayed = Delayed
flight-status-arrived = Arrived
flight-status-cancelled = Cancelled
flight-status-diverted = Diverted

## Channels

channel-gate = At the gate
channel-cabin = In the cabin
channel-social = Social

## Complaint case categories as social care files them; a category not named here is shown as written

case-category-baggage = Baggage
case-category-delay = Delay
case-category-cancellation = Cancellation
case-category-service = Service
case-category-refund = Refund
case-category-seat = Seat
case-category-accessibility = Accessibility
case-category-check-in = Check-in
case-category-raised-in-person = Raised in person
case-category-raised-on-social = Raised with an advisor
case-category-other = Other

## The identity matcher's reasons: $passenger is the manifest's value, $person the registry's

reason-frequent-flyer-agrees = frequent-flyer number { $carrier } { $number } agrees
reason-frequent-flyer-conflict = different { $carrier } frequent-flyer numbers (passenger { $passenger }, person { $person })
reason-email-agrees = same booking e-mail ({ $email })
reason-phone-agrees = same phone number ({ $phone })
reason-phone-agrees-last-nine = same phone number by its last nine digits ({ $phone }; one side has no country code)
reason-date-of-birth-agrees = date of birth { $date } agrees
reason-date-of-birth-conflict = different dates of birth (passenger { $passenger }, person { $person }): a different person
reason-surname-exact = surname { $passenger } agrees
reason-surname-one-of-compound = surname agrees on one of the surnames ({ $passenger } on the manifest, { $person } in the registry)
reason-surname-truncated = surname agrees as far as the manifest's truncated { $passenger } goes ({ $person })
reason-surname-last-of-compound = the person's surname { $person } ends the manifest's compound surname { $passenger } (a Portuguese last surname, or a relative's)
reason-surname-similar = surname is close but not the same ({ $passenger } vs { $person })
reason-surname-differs = surname differs ({ $passenger } vs { $person })
reason-given-exact = given name { $passenger } agrees
reason-given-first-of-several = given names agree on the first one ({ $passenger } on the manifest, { $person } in the registry)
reason-given-truncated = given name agrees as far as the manifest's truncated { $passenger } goes ({ $person })
reason-given-first-only = the manifest shows only the first of the person's given names ({ $passenger } vs { $person }); please check
reason-given-nickname = given name is a nickname of the other ({ $passenger } vs { $person })
reason-given-initial = only an initial to compare ({ $passenger } vs { $person })
reason-given-similar = given name is close but not the same ({ $passenger } vs { $person })
reason-given-missing = the manifest has no given name to compare with { $person }
reason-given-differs = given name differs ({ $passenger } vs { $person })
reason-family-member = same { $contact ->
        [email] booking e-mail
       *[phone] booking phone number
    } but the given name differs ({ $passenger } vs { $person }): likely a family member
reason-travel-companion = same { $contact ->
        [email] booking e-mail
       *[phone] booking phone number
    } but neither surname nor given name agrees: likely a travel companion
reason-possible-married-name = contact and given name agree under another surname ({ $passenger } vs { $person }): perhaps a married or birth name; please check
reason-frequent-flyer-name-mismatch = the frequent-flyer number agrees but the name does not: perhaps a number lent to a companion; please check
reason-child-shares-name = the passenger travels as { $class ->
        [infant] an infant
       *[child] a child
    } under the same name: perhaps the person's child; please check
reason-name-too-common = about { $count } people share this name, so a shared date of birth is not proof; please check
reason-rare-name-only = only the name agrees, but it is rare (about { $count } people expected to carry it); please check
reason-conflicting-evidence = strong evidence points both ways; please check
reason-several-candidates = { $count } registry persons fit this passenger; please choose
reason-several-passengers = { $count } passengers on this flight fit the same person; please choose
reason-staff-confirmed = a staff member confirmed this link before
reason-staff-rejected = a staff member rejected this link before
reason-staff-linked-another = a staff member linked this passenger to another person

## The reports' tables and charts: column names, rows and steps (the CSV keeps the English words)

report-word-stage = stage
report-word-count = count
report-word-step = step
report-word-median = median
report-word-bucket = bucket
report-word-measure = measure
report-word-value = value
report-word-station = station
report-word-desk = desk
report-word-hour = hour
report-word-met = met
report-word-missed = missed
report-word-escalated = escalated
report-word-boarded-linked-to-a-person = boarded, linked to a person
report-word-gate-tasks = gate tasks
report-word-cabin-tasks = cabin tasks
report-word-social-tasks = social tasks
report-word-reached = reached
report-word-not-found = not found
report-word-refused = refused
report-word-expired = expired
report-word-cancelled = cancelled
report-word-pending = pending
report-word-new-issue-raised = new issue raised
report-word-linked-by-the-matcher = linked by the matcher
report-word-confirmed-in-review = confirmed in review
report-word-rejected = rejected
report-word-waiting-for-review = waiting for review
report-word-review-queue-median-age-minutes = review queue, median age (minutes)
report-word-review-queue-oldest-minutes = review queue, oldest (minutes)
report-word-gate-scan-to-task = gate: scan to task
report-word-gate-task-to-i-m-going = gate: task to I'm going
report-word-gate-task-to-outcome = gate: task to outcome
report-word-social-task-to-claim = social: task to claim
report-word-social-claim-to-message-sent = social: claim to message sent
report-word-social-sent-to-delivered = social: sent to delivered
report-word-social-sent-to-read = social: sent to read
report-word-social-sent-to-first-reply = social: sent to first reply
report-word-social-task-to-message-sent = social: task to message sent
report-word-social-task-to-outcome = social: task to outcome
report-word-boarded = boarded
report-word-gate = gate
report-word-cabin = cabin
report-word-social = social
report-word-new-issue = new issue
