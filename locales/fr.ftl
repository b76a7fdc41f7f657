# L'interface du personnel d'aboard en français.

language-name = Français

## Pages

skip-to-content = Aller au contenu
home = Accueil
sign-in = Se connecter
sign-out = Se déconnecter
login = Identifiant
password = Mot de passe
wrong-credentials = Identifiant ou mot de passe incorrect.
too-many-signins = Trop de connexions échouées pour cet identifiant ou depuis cette adresse. Réessayez plus tard.
form-expired = Ce formulaire avait expiré. Veuillez réessayer.
signed-in-as = Connecté en tant que
role = Rôle
stations = Escales
languages = Langues
your-pages = Vos pages
no-pages-yet = Les pages de votre rôle ne sont pas encore disponibles.
gate-tasks = Tâches en porte
open-station = Ouvrir une escale
station = Escale (code IATA)
open = Ouvrir
times-in = Heures en
due = Échéance
expires = Expire
gate = Porte
priority = Priorité
task = Tâche
state = État
no-open-tasks = Aucune tâche ouverte dans cette escale.
forbidden = Non autorisé
forbidden-text = Votre rôle ou votre périmètre ne couvre pas cette page.
not-found = Introuvable
not-found-text = Il n'y a rien à cette adresse.
back-home = Revenir à l'accueil
bad-address = Cette adresse n'est pas correcte
recorded = Enregistré
undo = Annuler
undone = Annulé : la tâche revient dans la liste, à votre nom.
too-late-to-undo = Trop tard pour annuler : le résultat est maintenu.
unknown-station = Cette escale n'existe pas
unknown-station-text = Aucun aéroport n'a ce code. Vérifiez les trois lettres du code IATA de l'escale, comme MAD.
escalated = Urgent : échéance proche ou dépassée
bad-date-text = La date de l'adresse s'écrit AAAA-MM-JJ, par exemple 2026-11-22.
staff-accounts = Comptes du personnel
api-tokens = Jetons d'API
stations-staffing = Escales et vacations
add-account = Ajouter un compte
all-accounts = Tous les comptes
display-name = Nom affiché
stations-or-languages = Escales ou langues
page-language = Langue des pages
account-enabled = Actif
account-disabled = Désactivé
stations-help = Agents de porte seulement : codes IATA, p. ex. MAD, BCN.
languages-help = Conseillers seulement : codes de langue, p. ex. es, en.
temporary-password-help = aboard crée un mot de passe temporaire et ne l'affiche qu'une fois ; remettez-le à la personne.
temporary-password = Mot de passe temporaire
new-api-token = Nouveau jeton d'API
shown-once = Copiez-le maintenant : il n'est affiché qu'une fois et aboard n'en garde aucune copie.
done = Terminé
save = Enregistrer
changes-saved = Modifications enregistrées.
reset-password = Réinitialiser le mot de passe
disable-account = Désactiver le compte
enable-account = Réactiver le compte
account-disabled-done = Le compte est désactivé et ses sessions sont fermées.
account-enabled-done = Le compte peut de nouveau se connecter.
token-revoked-done = Le jeton est révoqué.
create-token = Créer un jeton
created-at = Créé
last-used = Dernière utilisation
never = Jamais
revoke = Révoquer
revoked = Révoqué
staffed = Avec personnel
shift-starts = Début de vacation
shift-ends = Fin de vacation
shift-help = Les heures de vacation sont celles de l'escale. Laissez les deux vides pour du personnel 24 h sur 24 ; une vacation qui finit avant de commencer passe minuit.
no-stations-yet = Aucune escale n'est encore configurée.
add-station = Ajouter ou modifier une escale
choose-role = Choisissez un rôle.
bad-login = L'identifiant compte de 1 à 64 lettres, chiffres, '.', '-' ou '_', et commence par une lettre ou un chiffre.
login-taken = Cet identifiant existe déjà.
bad-language-code = Les langues sont des codes de deux lettres, comme es ou en.
bad-station-code = Les escales sont des codes IATA de trois lettres, comme MAD.
gate-needs-station = Un agent de porte a besoin d'au moins une escale.
advisor-needs-language = Un conseiller a besoin d'au moins une langue.
scope-not-for-role = Seuls les agents de porte ont des escales et seuls les conseillers ont des langues.
bad-token-name = Le nom d'un jeton compte de 1 à 100 caractères.
bad-shift = Une vacation a besoin d'un début et d'une fin (HH:MM), ou d'aucun des deux pour 24 h sur 24.
keep-own-admin = Vous ne pouvez pas retirer le rôle d'administrateur à votre propre compte.
keep-own-account = Vous ne pouvez pas désactiver votre propre compte.
social-tasks = Tâches sur les réseaux sociaux
passenger = Passager
language = Langue
flight = Vol
claim = La prendre
open-task = Ouvrir
claimed-by-you = Prise par vous
claimed-by-other = Prise par quelqu'un d'autre
no-social-tasks = Aucune tâche sur les réseaux pour vos langues.
why-this-task = Pourquoi cette tâche existe
cases = Réclamations
no-cases = Aucune réclamation enregistrée.
networks = Réseaux
can-write-now = On peut lui écrire maintenant
human-agent-only = On peut lui écrire maintenant en réponse d'agent (dans les 7 jours suivant son dernier message)
template-only-now = Seul un modèle approuvé peut être envoyé maintenant
no-template-configured = Aucun modèle approuvé n'est configuré ([messaging.templates]) : rien ne peut être envoyé sur ce réseau pour l'instant.
cannot-write-now = On ne peut pas lui écrire maintenant
route = Trajet
departure = Départ
arrival = Arrivée
flight-status = État
write-message = Votre message
write-own-words = Écrivez avec vos propres mots : aboard ne propose jamais de texte.
network = Réseau
send = Envoyer
template = Modèle approuvé
free-text-no-template = Aucun : texte libre
template-parameters = Paramètres du modèle, un par ligne
near-duplicate = Ce texte est presque identique à un message déjà envoyé à un autre passager. Écrivez-le pour cette personne.
send-anyway = L'envoyer quand même
messages = Messages
no-messages = Pas encore de message.
message-queued = En file
message-sending = En cours d'envoi
message-sent = Envoyé
message-failed = Échec
message-unknown = Envoyé, pas encore confirmé : on attend que le réseau dise s'il est arrivé
message-unconfirmed = Non confirmé : le réseau n'a jamais dit s'il était arrivé. Il n'a pas été renvoyé.
message-delivered = Remis
message-read = Lu
send-again = Le renvoyer
person-replied = La personne a écrit
new-replies = Nouvelles réponses sur vos tâches
not-delivered = Aucun réseau n'est configuré : les messages sont enregistrés ici et ne sont remis à PERSONNE.
demo-network = Démonstration : les messages partent vers un faux réseau local, où certains passagers répondent quelques secondes plus tard.
will-retry = Nouvel essai après
sandbox-note = Bac à sable : enregistré, non remis. Voici ce qui aurait été envoyé.
outcome = Résultat
note = Note (facultative)
record-outcome = Enregistrer le résultat et clore
claim-to-write = Prenez la tâche pour écrire au passager.
task-is-closed = Cette tâche est close.
opened = Ouverte le
case-open = Ouverte
case-resolved = Résolue
outcome-message-sent = Message envoyé
outcome-talked-all-well = A répondu : tout va bien
outcome-talked-new-issue = A répondu : un nouveau problème
outcome-not-found = Impossible de la joindre
outcome-declined = N'a pas voulu de contact
asked-no-contact = A demandé à ne pas être contactée
back-to-queue = Revenir aux tâches sur les réseaux
task-taken = Quelqu'un d'autre a pris cette tâche en premier.
choose-gate = Choisissez une escale et une porte, ou un vol
gate-optional = Porte (facultative)
show = Afficher
todays-flights = Vols du jour
no-flights-today = Aucun vol aujourd'hui dans vos escales.
live-updates = Cette liste se met à jour toute seule.
estimated = Estimée
status = État
print-list = Liste pour l'équipage
no-tasks-for-flight = Aucune tâche ouverte pour ce vol.
talked-all-well = Parlé, tout va bien
talked-new-issue = Parlé, nouveau problème
passenger-not-found = Introuvable
declined = A refusé
offloaded = Débarqué
cabin-list = Liste pour l'équipage
back-to-list = Revenir à la liste de la porte
seat = Siège
name = Nom
brief = Résumé
flights-board = Tableau des vols
no-flights-on-date = Aucun vol à cette date.
destination = Destination
open-tasks = Ouvertes
claimed-tasks = Prises
done-tasks = Faites
ended-tasks = Expirées ou annulées
rules-in-force = Règles en vigueur
source = Source
shipped-rules = les règles livrées avec aboard
loaded-at = Chargées le
last-error = Dernier rechargement refusé
none-word = Aucun
rule-ids = Règles
scheduler-jobs = Tâches planifiées
job = Tâche planifiée
schedule = Calendrier
runs-here = S'exécute sur cette instance
next-run = Prochaine exécution
last-run = Dernière exécution
yes = Oui
no = Non
outcome-refused = Résultat non enregistré
outcome-refused-text = La porte ne peut pas enregistrer ce résultat. Revenez en arrière et touchez l'un des boutons de résultat.
match-review = Vérification des rapprochements
review-intro = Passagers dont l'identificateur n'a pas été sûr, les vols les plus proches d'abord. Comparez la réservation avec la personne du registre et décidez : votre décision est retenue et prévaut aussi sur les vols suivants de ce passager.
no-review-cases = Rien à vérifier dans vos langues.
review-showing-first = Seuls les cas les plus urgents sont affichés ; tranchez-les pour en voir d'autres. Affichés
manifest-passenger = Passager (liste)
registry-person = Personne (registre)
field = Champ
comparison = Comparaison
passport-name = Nom du passeport (DOCS)
date-of-birth = Date de naissance
frequent-flyer = Numéro de grand voyageur
email = Courriel
phone = Téléphone
booking-and-seat = Réservation · siège / id au registre
country-and-language = Nationalité / pays · langue
match-score = Score
matcher-reasons = Les motifs de l'identificateur
evidence-agrees = concorde
evidence-conflicts = contredit
evidence-differs = diffère (ne prouve rien)
time-not-known = heure de départ pas encore connue
confirm-same-person = Confirmer : même personne
reject-not-same-person = Rejeter : pas la même personne
link-confirmed = Confirmé
link-rejected = Rejeté
is-same-person = est
is-not-same-person = n'est pas
decision-remembered = Retenu pour les vols suivants de ce passager.
decision-refused = Décision non enregistrée
decision-refused-text = Choisissez confirmer ou rejeter.
import-files = Importer des fichiers
import-help = Un fichier n'est refusé en entier que lorsqu'un vol, un passager ou une personne ne peut être connu : chaque problème est affiché avec sa ligne et rien n'en est gardé. Une valeur incomprise est un avertissement : l'enregistrement est gardé sans elle.
what-the-files-hold = Ce que contiennent les fichiers
manifest-files = Listes de passagers (PNL, ADL, CSV ou JSON), programmes SSIM ou messages MVT
registry-files = Exports du registre du service client sur les réseaux (CSV ou JSON)
manifest-format = Format de la liste
format-from-content = Le déduire du contenu
files-to-import = Fichiers
import-button = Importer
import-results = Résultat
file-imported = importé
file-refused = refusé, rien n'a été importé
file = Fichier
line = Ligne
reason = Motif
more-errors = erreurs de plus non listées
warnings = Avertissements
warnings-help = Valeurs qui n'ont pas pu être comprises : chaque enregistrement a été gardé, sans la valeur ou avec elle telle qu'écrite.
more-warnings = avertissements de plus non listés
choose-a-file = Choisissez un fichier à importer.
upload-too-large = Le fichier est trop volumineux.
upload-unreadable = L'envoi n'a pas pu être lu ; réessayez.
held-messages = Messages Type B incomplets
held-messages-help = Les parties de PNL et d'ADL sont gardées jusqu'à ce que leur message soit complet, puis appliquées en entier. Un ADL attend le PNL de son vol.
type-b-message = Message Type B
parts-held = Parties reçues
parts-missing = Parties manquantes
waiting-for = En attente de
waiting-for-parts = les parties manquantes
waiting-for-flight-pnl = le PNL du vol
waiting-for-earlier-message = un message antérieur incomplet
waiting-for-turn = son tour
age = Ancienneté
im-going = J'y vais
you-are-going = Vous y allez
claimed-by = Y va :
event-stream = Journal des événements
no-events = Aucun événement ne correspond à ces filtres.
time = Heure
kind = Type
actor = Auteur
subject = Objet
person = Personne
detail = Détail
next-page = Page suivante
from = Du
to = Au
channel = Canal
rule = Règle
reports = Rapports
reports-intro = Les dates sont les dates locales de chaque escale. Chaque tableau se télécharge en CSV.
download-csv = Télécharger le CSV
report-funnel = Entonnoir
report-latency = Délais (minutes)
report-histogram = Histogramme des délais
report-deadlines-by-station = Échéances par escale
report-deadlines-by-desk = Échéances par pupitre
report-deadlines-by-hour = Échéances par heure locale
report-matching = Identification
charts = Graphiques
ambassador-candidates = Ambassadeurs possibles
ambassadors-intro = Personnes dont les suivis se sont bien terminés au moins deux fois, sans réclamation ouverte, qui n'ont jamais refusé d'être contactées ; la plus grande audience d'abord.
no-ambassadors = Pas encore de candidat.
registry-id = Id au registre
all-well = Tout va bien
reach = Audience (abonnés)

## Did it help: the holdout report

uplift = Cela a-t-il aidé ? Effet face au groupe témoin
uplift-intro = Passagers choisis par les règles, suivis face aux mis à l'écart (le groupe témoin, sans suivi), selon la date locale de leur vol. Chaque résultat est cherché dans les jours qui suivent le vol ; un passager compte dès que son résultat peut être connu. Les écarts sont suivis moins mis à l'écart, en points de pourcentage, avec leur intervalle à 95 %.
uplift-days = Jours après le vol
uplift-groups = Groupes
treated = Suivis
held-out = Mis à l'écart
exempt = Jamais mis à l'écart (réclamation ouverte)
outcome-new-case = Une nouvelle réclamation (registre)
outcome-active = Actif au sujet de la compagnie (registre)
outcome-flew-again = A revolé (listes de passagers)

## The match review's score; the scheduler's catch-up runs

match-score-scale = Le score additionne les preuves : numéro de grand voyageur 12, courriel de réservation 9, téléphone 8, date de naissance 7, nom et prénom jusqu'à 4 chacun ; chaque contradiction retire 10. 44, c'est tout qui concorde. Il ordonne la liste ; ce sont les règles de l'identificateur qui décident, pas un seuil sur le score.
catch-up-of = rattrapage de l'exécution prévue à
job-scheduler-off = le planificateur est arrêté sur cette instance (scheduler.enabled)
job-turned-off = désactivée dans la configuration
job-setting-not-set = { $setting } manque dans la configuration
job-misconfigured = la configuration n'est pas valable : { $why }

## The gate view without a network

offline-waiting = Pas de réseau : vos touches sont gardées sur cette tablette et envoyées à son retour. En attente :
offline-sent = Le réseau est revenu : toutes les touches ont été envoyées.

## Your own account

my-account = Mon compte
my-language = Langue de mes pages
language-changed = Vos pages sont maintenant en français.

## A task's brief and why it exists

brief-in-english = en anglais
flight-time-unknown = Heure du vol inconnue : échéance supposée.
rule-expression-for-ops = Les expressions des règles sont montrées au personnel des opérations.

## How far away a due time is: $span is "12 min" or "2 h 05 min"

until-now = maintenant
until-ahead = dans { $span }
until-late = { $span } de retard

## Why an advisor's send was refused

empty-message = Écrivez un message avant de l'envoyer.
no-recipient = Le compte { $network } de la personne n'a pas d'identifiant d'utilisateur auquel écrire.
template-required = Seul un modèle approuvé peut être envoyé sur { $network } maintenant : choisissez-en un.
not-allowed-no-opt-in = la personne n'a pas accepté les messages de la compagnie sur { $network }
not-allowed-direct-messages-closed = sur X la personne ne suit pas la compagnie et n'accepte pas les messages de tout le monde
not-allowed-window-closed = { $network } ne permet de répondre que dans les 7 jours suivant le dernier message de la personne, qui date de { $days } jours
not-allowed-never-first = { $network } ne permet jamais à une entreprise d'écrire en premier, et la personne ne nous a pas écrit
not-allowed-opted-out = la personne a demandé à ne pas être contactée sur { $network }
not-allowed-response-window-closed = la fenêtre de 24 heures de { $network } s'est fermée après la rédaction de ce message, qui n'a donc pas été envoyé ; seule une réponse d'agent humain (balise HUMAN_AGENT) peut partir maintenant : réécrivez-le
not-allowed-template-only-now = la fenêtre de 24 heures de { $network } s'est fermée après la rédaction de ce message, qui n'a donc pas été envoyé ; seul un modèle approuvé peut partir maintenant
not-allowed-no-templates = { $network } n'accepte pas de modèles : écrivez le texte

## Roles

role-ops = Opérations
role-gate = Agent de porte
role-advisor = Conseiller clientèle
role-admin = Administrateur
role-analyst = Analyste

## Task states

task-state-open = Ouverte
task-state-claimed = Prise
task-state-done = Faite
task-state-expired = Expirée
task-state-cancelled = Annulée

## Flight statuses

flight-status-scheduled = Programmé
flight-status-check-in = Enregistrement
flight-status-boarding = Embarquement
flight-status-gate-closed = Porte fermée
flight-status-departed = Parti
flight-status-delayed = Retardé
flight-status-arrived = Arrivé
flight-status-cancelled = Annulé
flight-status-diverted = Dérouté

## Channels

channel-gate = En porte
channel-cabin = En cabine
channel-social = Réseaux sociaux

## Complaint case categories as social care files them; a category not named here is shown as written

case-category-baggage = Bagages
case-category-delay = Retard
case-category-cancellation = Annulation
case-category-service = Service
case-category-refund = Remboursement
case-category-seat = Siège
case-category-accessibility = Accessibilité
case-category-check-in = Enregistrement
case-category-raised-in-person = Soulevé en personne
case-category-raised-on-social = Soulevé auprès d'un conseiller
case-category-other = Autre

## The identity matcher's reasons: $passenger is the manifest's value, $person the registry's

reason-frequent-flyer-agrees = le numéro de grand voyageur { $carrier } { $number } concorde
reason-frequent-flyer-conflict = numéros de grand voyageur { $carrier } différents (passager { $passenger }, personne { $person })
reason-email-agrees = même courriel de réservation ({ $email })
reason-phone-agrees = même numéro de téléphone ({ $phone })
reason-phone-agrees-last-nine = même numéro de téléphone par ses neuf derniers chiffres ({ $phone } ; l'un des deux n'a pas d'indicatif de pays)
reason-date-of-birth-agrees = la date de naissance { $date } concorde
reason-date-of-birth-conflict = dates de naissance différentes (passager { $passenger }, personne { $person }) : une autre personne
reason-surname-exact = le nom { $passenger } concorde
reason-surname-one-of-compound = le nom concorde sur l'un des noms ({ $passenger } sur la liste, { $person } au registre)
reason-surname-truncated = le nom concorde aussi loin que va le { $passenger } tronqué de la liste ({ $person })
reason-surname-last-of-compound = le nom de la personne, { $person }, termine le nom composé { $passenger } de la liste (un dernier nom portugais, ou celui d'un proche)
reason-surname-similar = le nom est proche mais pas identique ({ $passenger } contre { $person })
reason-surname-differs = le nom diffère ({ $passenger } contre { $person })
reason-given-exact = le prénom { $passenger } concorde
reason-given-first-of-several = les prénoms concordent sur le premier ({ $passenger } sur la liste, { $person } au registre)
reason-given-truncated = le prénom concorde aussi loin que va le { $passenger } tronqué de la liste ({ $person })
reason-given-first-only = la liste ne montre que le premier des prénoms de la personne ({ $passenger } contre { $person }) ; vérifiez
reason-given-nickname = un prénom est un diminutif de l'autre ({ $passenger } contre { $person })
reason-given-initial = seulement une initiale à comparer ({ $passenger } contre { $person })
reason-given-similar = le prénom est proche mais pas identique ({ $passenger } contre { $person })
reason-given-missing = la liste n'a pas de prénom à comparer avec { $person }
reason-given-differs = le prénom diffère ({ $passenger } contre { $person })
reason-family-member = même { $contact ->
        [email] courriel de réservation
       *[phone] téléphone de réservation
    } mais le prénom diffère ({ $passenger } contre { $person }) : sans doute un membre de la famille
reason-travel-companion = même { $contact ->
        [email] courriel de réservation
       *[phone] téléphone de réservation
    } mais ni le nom ni le prénom ne concordent : sans doute un compagnon de voyage
reason-possible-married-name = le contact et le prénom concordent sous un autre nom ({ $passenger } contre { $person }) : peut-être un nom d'épouse ou de naissance ; vérifiez
reason-frequent-flyer-name-mismatch = le numéro de grand voyageur concorde mais pas le nom : peut-être un numéro prêté à un compagnon ; vérifiez
reason-child-shares-name = le passager voyage comme { $class ->
        [infant] bébé
       *[child] enfant
    } sous le même nom : peut-être l'enfant de la personne ; vérifiez
reason-name-too-common = environ { $count } personnes portent ce nom, donc une date de naissance commune ne prouve rien ; vérifiez
reason-rare-name-only = seul le nom concorde, mais il est rare (environ { $count } personnes devraient le porter) ; vérifiez
reason-conflicting-evidence = des preuves fortes vont dans les deux sens ; vérifiez
reason-several-candidates = { $count } personnes du registre correspondent à ce passager ; choisissez
reason-several-passengers = { $count } passagers de ce vol correspondent à la même personne ; choisissez
reason-staff-confirmed = un membre du personnel a déjà confirmé ce lien
reason-staff-rejected = un membre du personnel a déjà rejeté ce lien
reason-staff-linked-another = un membre du personnel a lié ce passager à une autre personne

## Tableaux et graphiques des rapports

report-word-stage = étape
report-word-count = nombre
report-word-step = étape
report-word-median = médiane
report-word-bucket = intervalle
report-word-measure = mesure
report-word-value = valeur
report-word-station = escale
report-word-desk = bureau
report-word-hour = heure
report-word-met = respectés
report-word-missed = manqués
report-word-escalated = escaladés
report-word-boarded-linked-to-a-person = embarqués, rattachés à une personne
report-word-gate-tasks = tâches à la porte
report-word-cabin-tasks = tâches en cabine
report-word-social-tasks = tâches sur les réseaux
report-word-reached = joints
report-word-not-found = introuvables
report-word-refused = refusés
report-word-expired = expirés
report-word-cancelled = annulés
report-word-pending = en attente
report-word-new-issue-raised = nouveau problème signalé
report-word-linked-by-the-matcher = rattachés par le rapprochement
report-word-confirmed-in-review = confirmés en vérification
report-word-rejected = rejetés
report-word-waiting-for-review = en attente de vérification
report-word-review-queue-median-age-minutes = file de vérification, ancienneté médiane (minutes)
report-word-review-queue-oldest-minutes = file de vérification, la plus ancienne (minutes)
report-word-gate-scan-to-task = porte : du scan à la tâche
report-word-gate-task-to-i-m-going = porte : de la tâche à « J'y vais »
report-word-gate-task-to-outcome = porte : de la tâche au résultat
report-word-social-task-to-claim = réseaux : de la tâche à sa prise
report-word-social-claim-to-message-sent = réseaux : de la prise au message envoyé
report-word-social-sent-to-delivered = réseaux : d'envoyé à remis
report-word-social-sent-to-read = réseaux : d'envoyé à lu
report-word-social-sent-to-first-reply = réseaux : d'envoyé à la première réponse
report-word-social-task-to-message-sent = réseaux : de la tâche au message envoyé
report-word-social-task-to-outcome = réseaux : de la tâche au résultat
report-word-boarded = embarqués
report-word-gate = porte
report-word-cabin = cabine
report-word-social = réseaux
report-word-new-issue = nouveau problème
