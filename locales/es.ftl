# La interfaz del personal de aboard en español.

language-name = Español

## Pages

skip-to-content = Saltar al contenido
home = Inicio
sign-in = Iniciar sesión
sign-out = Cerrar sesión
login = Usuario
password = Contraseña
wrong-credentials = Usuario o contraseña incorrectos.
too-many-signins = Demasiados intentos fallidos con este usuario o desde esta dirección. Inténtelo más tarde.
form-expired = El formulario había caducado. Inténtelo de nuevo.
signed-in-as = Sesión iniciada como
role = Rol
stations = Escalas
languages = Idiomas
your-pages = Sus páginas
no-pages-yet = Las páginas de su rol aún no están disponibles.
gate-tasks = Tareas de puerta
open-station = Abrir una escala
station = Escala (código IATA)
open = Abrir
times-in = Horas en
due = Para
expires = Caduca
gate = Puerta
priority = Prioridad
task = Tarea
state = Estado
no-open-tasks = No hay tareas abiertas en esta escala.
forbidden = No permitido
forbidden-text = Su rol o su ámbito no incluyen esta página.
not-found = No encontrado
not-found-text = No hay nada en esta dirección.
back-home = Volver al inicio
bad-address = Esta dirección no es correcta
recorded = Registrado
undo = Deshacer
undone = Deshecho: la tarea vuelve a la lista, a su nombre.
too-late-to-undo = Demasiado tarde para deshacer: el resultado queda registrado.
unknown-station = No existe esa escala
unknown-station-text = Ningún aeropuerto tiene este código. Revise las tres letras del código IATA de la escala, como MAD.
escalated = Urgente: plazo a punto de vencer o vencido
bad-date-text = La fecha de la dirección debe escribirse AAAA-MM-DD, por ejemplo 2026-11-22.
staff-accounts = Cuentas del personal
api-tokens = Tokens de API
stations-staffing = Escalas y turnos
add-account = Añadir una cuenta
all-accounts = Todas las cuentas
display-name = Nombre visible
stations-or-languages = Escalas o idiomas
page-language = Idioma de las páginas
account-enabled = Activa
account-disabled = Desactivada
stations-help = Solo agentes de puerta: códigos IATA, p. ej. MAD, BCN.
languages-help = Solo asesores: códigos de idioma, p. ej. es, en.
temporary-password-help = aboard crea una contraseña temporal y la muestra una sola vez; entréguesela a la persona.
temporary-password = Contraseña temporal
new-api-token = Nuevo token de API
shown-once = Cópielo ahora: solo se muestra una vez y aboard no guarda copia.
done = Hecho
save = Guardar
changes-saved = Cambios guardados.
reset-password = Restablecer la contraseña
disable-account = Desactivar la cuenta
enable-account = Reactivar la cuenta
account-disabled-done = La cuenta está desactivada y sus sesiones, cerradas.
account-enabled-done = La cuenta puede volver a iniciar sesión.
token-revoked-done = El token está revocado.
create-token = Crear un token
created-at = Creado
last-used = Último uso
never = Nunca
revoke = Revocar
revoked = Revocado
staffed = Con personal
shift-starts = Inicio del turno
shift-ends = Fin del turno
shift-help = Las horas del turno son locales de la escala. Déjelas vacías si hay personal las 24 horas; un turno que acaba antes de empezar pasa la medianoche.
no-stations-yet = Aún no hay ninguna escala configurada.
add-station = Añadir o cambiar una escala
choose-role = Elija un rol.
bad-login = El usuario admite de 1 a 64 letras, cifras, '.', '-' o '_', y empieza por letra o cifra.
login-taken = Ese usuario ya existe.
bad-language-code = Los idiomas son códigos de dos letras, como es o en.
bad-station-code = Las escalas son códigos IATA de tres letras, como MAD.
gate-needs-station = Un agente de puerta necesita al menos una escala.
advisor-needs-language = Un asesor necesita al menos un idioma.
scope-not-for-role = Solo los agentes de puerta tienen escalas y solo los asesores, idiomas.
bad-token-name = El nombre del token debe tener de 1 a 100 caracteres.
bad-shift = Un turno necesita inicio y fin (HH:MM), o ninguno para las 24 horas.
keep-own-admin = No puede quitar el rol de administrador a su propia cuenta.
keep-own-account = No puede desactivar su propia cuenta.
social-tasks = Tareas en redes sociales
passenger = Pasajero
language = Idioma
flight = Vuelo
claim = Asignármela
open-task = Abrir
claimed-by-you = Asignada a usted
claimed-by-other = Asignada a otra persona
no-social-tasks = No hay tareas en redes para sus idiomas.
why-this-task = Por qué existe esta tarea
cases = Reclamaciones
no-cases = No hay reclamaciones registradas.
networks = Redes
can-write-now = Se le puede escribir ahora
human-agent-only = Se le puede escribir ahora como respuesta de un agente (hasta 7 días después de su último mensaje)
template-only-now = Ahora solo se puede enviar una plantilla aprobada
no-template-configured = No hay plantillas aprobadas configuradas ([messaging.templates]): ahora no se puede enviar nada por esta red.
cannot-write-now = Ahora no se le puede escribir
route = Ruta
departure = Salida
arrival = Llegada
flight-status = Estado
write-message = Su mensaje
write-own-words = Escriba con sus propias palabras: aboard nunca propone un texto.
network = Red
send = Enviar
template = Plantilla aprobada
free-text-no-template = Ninguna: texto libre
template-parameters = Parámetros de la plantilla, uno por línea
near-duplicate = Este texto es casi igual a uno ya enviado a otro pasajero. Escríbalo para esta persona.
send-anyway = Enviarlo de todos modos
messages = Mensajes
no-messages = Aún no hay mensajes.
message-queued = En cola
message-sending = Enviándose
message-sent = Enviado
message-failed = Fallido
message-unknown = Enviado, sin confirmar: esperando a que la red diga si llegó
message-unconfirmed = Sin confirmar: la red nunca dijo si llegó. No se ha vuelto a enviar.
message-delivered = Entregado
message-read = Leído
send-again = Enviarlo de nuevo
person-replied = La persona escribió
new-replies = Respuestas nuevas en sus tareas
not-delivered = No hay ninguna red configurada: los mensajes se registran aquí y NO se entregan a nadie.
demo-network = Demo: los mensajes van a una red local ficticia, donde algunos pasajeros responden a los pocos segundos.
will-retry = Se reintentará tras
sandbox-note = Sandbox: registrado, no entregado. Esto es lo que se habría enviado.
outcome = Resultado
note = Nota (opcional)
record-outcome = Registrar el resultado y cerrar
claim-to-write = Asígnese la tarea para escribir al pasajero.
task-is-closed = Esta tarea está cerrada.
opened = Abierta el
case-open = Abierta
case-resolved = Resuelta
outcome-message-sent = Mensaje enviado
outcome-talked-all-well = Respondió: todo bien
outcome-talked-new-issue = Respondió: un problema nuevo
outcome-not-found = No se le pudo contactar
outcome-declined = No quiso contacto
asked-no-contact = Pidió que no le contacten
back-to-queue = Volver a las tareas en redes
task-taken = Otra persona se asignó esta tarea antes.
choose-gate = Elija una escala y una puerta, o un vuelo
gate-optional = Puerta (opcional)
show = Mostrar
todays-flights = Vuelos de hoy
no-flights-today = Hoy no hay vuelos en sus escalas.
live-updates = Esta lista se actualiza sola.
estimated = Estimada
status = Estado del vuelo
print-list = Lista para la tripulación
no-tasks-for-flight = No hay tareas abiertas en este vuelo.
talked-all-well = Hablado, todo bien
talked-new-issue = Hablado, nueva incidencia
passenger-not-found = No encontrado
declined = Rechazó hablar
offloaded = Desembarcado
cabin-list = Lista para la tripulación
back-to-list = Volver a la lista de puerta
seat = Asiento
name = Nombre
brief = Resumen
flights-board = Panel de vuelos
no-flights-on-date = No hay vuelos en esta fecha.
destination = Destino
open-tasks = Abiertas
claimed-tasks = Asignadas
done-tasks = Hechas
ended-tasks = Caducadas o canceladas
rules-in-force = Reglas en vigor
source = Origen
shipped-rules = las reglas incluidas en aboard
loaded-at = Cargadas el
last-error = Última recarga rechazada
none-word = Ninguna
rule-ids = Reglas
scheduler-jobs = Tareas programadas
job = Tarea
schedule = Calendario
runs-here = Se ejecuta en esta instancia
next-run = Próxima ejecución
last-run = Última ejecución
yes = Sí
no = No
outcome-refused = Resultado no registrado
outcome-refused-text = La puerta no puede registrar ese resultado. Vuelva atrás y pulse uno de los botones de resultado.
match-review = Revisión de coincidencias
review-intro = Pasajeros que el emparejador no pudo confirmar, primero los vuelos más próximos. Compare la reserva con la persona del registro y decida: su decisión se recuerda y prevalece también en los próximos vuelos de este pasajero.
no-review-cases = No hay nada que revisar en sus idiomas.
review-showing-first = Solo se muestran los casos más urgentes; decídalos para ver más. Mostrados
manifest-passenger = Pasajero (lista de embarque)
registry-person = Persona (registro)
field = Campo
comparison = Comparación
passport-name = Nombre del pasaporte (DOCS)
date-of-birth = Fecha de nacimiento
frequent-flyer = Número de viajero frecuente
email = Correo electrónico
phone = Teléfono
booking-and-seat = Reserva · asiento / id del registro
country-and-language = Nacionalidad / país · idioma
match-score = Puntuación
matcher-reasons = Motivos del identificador
evidence-agrees = coincide
evidence-conflicts = contradice
evidence-differs = distinto (no prueba nada)
time-not-known = hora de salida aún desconocida
confirm-same-person = Confirmar: es la misma persona
reject-not-same-person = Rechazar: no es la misma persona
link-confirmed = Confirmado
link-rejected = Rechazado
is-same-person = es
is-not-same-person = no es
decision-remembered = Se recordará en los próximos vuelos de este pasajero.
decision-refused = Decisión no registrada
decision-refused-text = Elija confirmar o rechazar.
import-files = Importar ficheros
import-help = Un fichero se rechaza entero solo cuando no se puede saber un vuelo, un pasajero o una persona: se muestra cada problema con su línea y no se guarda nada de él. Un valor que no se entiende es un aviso: el registro se guarda sin él.
what-the-files-hold = Qué contienen los ficheros
manifest-files = Listas de pasajeros (PNL, ADL, CSV o JSON), programas SSIM o mensajes MVT
registry-files = Exportaciones del registro de atención social (CSV o JSON)
manifest-format = Formato de la lista
format-from-content = Deducirlo del contenido
files-to-import = Ficheros
import-button = Importar
import-results = Resultado
file-imported = importado
file-refused = rechazado, no se importó nada
file = Fichero
line = Línea
reason = Motivo
more-errors = errores más sin listar
warnings = Avisos
warnings-help = Valores que no se pudieron entender: cada registro se guardó, sin el valor o con el valor tal como venía.
more-warnings = avisos más sin listar
choose-a-file = Elija un fichero para importar.
upload-too-large = El fichero es demasiado grande.
upload-unreadable = No se pudo leer el envío; inténtelo de nuevo.
held-messages = Mensajes Type B incompletos
held-messages-help = Las partes de PNL y ADL se guardan hasta que el mensaje está completo y entonces se aplica entero. Un ADL espera al PNL de su vuelo.
type-b-message = Mensaje
parts-held = Partes recibidas
parts-missing = Partes que faltan
waiting-for = Espera
waiting-for-parts = las partes que faltan
waiting-for-flight-pnl = el PNL del vuelo
waiting-for-earlier-message = un mensaje anterior incompleto
waiting-for-turn = su turno
age = Antigüedad
im-going = Voy yo
you-are-going = Va usted
claimed-by = Va:
event-stream = Registro de eventos
no-events = Ningún evento coincide con estos filtros.
time = Hora
kind = Tipo
actor = Autor
subject = Objeto
person = Persona
detail = Detalle
next-page = Página siguiente
from = Desde
to = Hasta
channel = Canal
rule = Regla
reports = Informes
reports-intro = Las fechas son las locales de cada escala. Cada tabla se descarga en CSV.
download-csv = Descargar CSV
report-funnel = Embudo
report-latency = Tiempos (minutos)
report-histogram = Histograma de tiempos
report-deadlines-by-station = Plazos por escala
report-deadlines-by-desk = Plazos por mesa
report-deadlines-by-hour = Plazos por hora local de vencimiento
report-matching = Identificación
charts = Gráficos
ambassador-candidates = Posibles embajadores
ambassadors-intro = Personas cuyos seguimientos acabaron bien al menos dos veces, sin caso abierto y que nunca pidieron no ser contactadas; primero las de mayor alcance.
no-ambassadors = Aún no hay candidatos.
registry-id = Id en el registro
all-well = Todo bien
reach = Alcance (seguidores)

## Did it help: the holdout report

uplift = ¿Sirvió? Efecto frente al grupo de control
uplift-intro = Pasajeros que las reglas eligieron, atendidos (con seguimiento) frente a apartados (el grupo de control, sin seguimiento), por la fecha local de su vuelo. Cada resultado se busca en los días siguientes al vuelo; un pasajero cuenta cuando su resultado puede conocerse. Las diferencias son atendidos menos apartados, en puntos porcentuales, con su intervalo del 95 %.
uplift-days = Días tras el vuelo
uplift-groups = Grupos
treated = Atendidos
held-out = Apartados
exempt = Nunca apartados (caso abierto)
outcome-new-case = Un caso nuevo de queja (registro)
outcome-active = Activo sobre la aerolínea (registro)
outcome-flew-again = Volvió a volar (listas de pasajeros)

## The match review's score; the scheduler's catch-up runs

match-score-scale = La puntuación suma las pruebas: número de viajero frecuente 12, correo de la reserva 9, teléfono 8, fecha de nacimiento 7, apellido y nombre hasta 4 cada uno; cada contradicción resta 10. 44 es que todo coincide. Ordena la lista; deciden las reglas del identificador, no un umbral de la puntuación.
catch-up-of = recuperando la ejecución prevista a las
job-scheduler-off = el planificador está apagado en esta instancia (scheduler.enabled)
job-turned-off = desactivada en la configuración
job-setting-not-set = falta { $setting } en la configuración
job-misconfigured = la configuración no es válida: { $why }

## The gate view without a network

offline-waiting = Sin red: sus toques se guardan en esta tableta y se envían cuando vuelva. En espera:
offline-sent = La red ha vuelto: se enviaron todos los toques.

## Your own account

my-account = Mi cuenta
my-language = Idioma de mis páginas
language-changed = Sus páginas están ahora en español.

## A task's brief and why it exists

brief-in-english = en inglés
flight-time-unknown = Hora del vuelo desconocida: plazo supuesto.
rule-expression-for-ops = Las expresiones de las reglas se muestran al personal de operaciones.

## How far away a due time is: $span is "12 min" or "2 h 05 min"

until-now = ahora
until-ahead = en { $span }
until-late = { $span } de retraso

## Why an advisor's send was refused

empty-message = Escriba un mensaje antes de enviarlo.
no-recipient = La cuenta de { $network } no tiene identificador de usuario al que escribir.
template-required = En { $network } ahora solo se puede enviar una plantilla aprobada: elija una.
not-allowed-no-opt-in = la persona no ha aceptado recibir mensajes de la aerolínea en { $network }
not-allowed-direct-messages-closed = en X la persona no sigue a la aerolínea ni acepta mensajes de cualquiera
not-allowed-window-closed = { $network } solo permite responder hasta 7 días después del último mensaje de la persona, que fue hace { $days } días
not-allowed-never-first = { $network } nunca permite que una empresa escriba primero, y la persona no nos ha escrito
not-allowed-opted-out = la persona pidió que no la contacten por { $network }
not-allowed-response-window-closed = la ventana de 24 horas de { $network } se cerró después de escribir este mensaje, así que no se envió; ahora solo cabe una respuesta de agente humano (etiqueta HUMAN_AGENT): escríbalo de nuevo
not-allowed-template-only-now = la ventana de 24 horas de { $network } se cerró después de escribir este mensaje, así que no se envió; ahora solo cabe una plantilla aprobada
not-allowed-no-templates = { $network } no admite plantillas: escriba el texto

## Roles

role-ops = Operaciones
role-gate = Agente de puerta
role-advisor = Asesor de clientes
role-admin = Administrador
role-analyst = Analista

## Task states

task-state-open = Abierta
task-state-claimed = Asignada
task-state-done = Hecha
task-state-expired = Caducada
task-state-cancelled = Cancelada

## Flight statuses

flight-status-scheduled = Programado
flight-status-check-in = Facturación
flight-status-boarding = Embarcando
flight-status-gate-closed = Puerta cerrada
flight-status-departed = Despegado
flight-status-delayed = Retrasado
flight-status-arrived = Aterrizado
flight-status-cancelled = Cancelado
flight-status-diverted = Desviado

## Channels

channel-gate = En la puerta
channel-cabin = En cabina
channel-social = Redes sociales

## Complaint case categories as social care files them; a category not named here is shown as written

case-category-baggage = Equipaje
case-category-delay = Retraso
case-category-cancellation = Cancelación
case-category-service = Servicio
case-category-refund = Reembolso
case-category-seat = Asiento
case-category-accessibility = Accesibilidad
case-category-check-in = Facturación
case-category-raised-in-person = Planteado en persona
case-category-raised-on-social = Planteado a un asesor
case-category-other = Otros

## The identity matcher's reasons: $passenger is the manifest's value, $person the registry's

reason-frequent-flyer-agrees = coincide el número de viajero frecuente { $carrier } { $number }
reason-frequent-flyer-conflict = números de viajero frecuente { $carrier } distintos (pasajero { $passenger }, persona { $person })
reason-email-agrees = mismo correo de la reserva ({ $email })
reason-phone-agrees = mismo teléfono ({ $phone })
reason-phone-agrees-last-nine = mismo teléfono por sus nueve últimas cifras ({ $phone }; uno de los dos no lleva prefijo de país)
reason-date-of-birth-agrees = coincide la fecha de nacimiento { $date }
reason-date-of-birth-conflict = fechas de nacimiento distintas (pasajero { $passenger }, persona { $person }): otra persona
reason-surname-exact = coincide el apellido { $passenger }
reason-surname-one-of-compound = coincide uno de los apellidos ({ $passenger } en la lista, { $person } en el registro)
reason-surname-truncated = el apellido coincide hasta donde llega el { $passenger } recortado de la lista ({ $person })
reason-surname-last-of-compound = el apellido de la persona, { $person }, cierra el apellido compuesto { $passenger } de la lista (un último apellido portugués, o el de un familiar)
reason-surname-similar = el apellido se parece pero no es el mismo ({ $passenger } frente a { $person })
reason-surname-differs = el apellido es otro ({ $passenger } frente a { $person })
reason-given-exact = coincide el nombre { $passenger }
reason-given-first-of-several = los nombres coinciden en el primero ({ $passenger } en la lista, { $person } en el registro)
reason-given-truncated = el nombre coincide hasta donde llega el { $passenger } recortado de la lista ({ $person })
reason-given-first-only = la lista solo muestra el primero de los nombres de la persona ({ $passenger } frente a { $person }); revíselo
reason-given-nickname = un nombre es un hipocorístico del otro ({ $passenger } frente a { $person })
reason-given-initial = solo hay una inicial que comparar ({ $passenger } frente a { $person })
reason-given-similar = el nombre se parece pero no es el mismo ({ $passenger } frente a { $person })
reason-given-missing = la lista no trae nombre que comparar con { $person }
reason-given-differs = el nombre es otro ({ $passenger } frente a { $person })
reason-family-member = mismo { $contact ->
        [email] correo de la reserva
       *[phone] teléfono de la reserva
    } pero otro nombre ({ $passenger } frente a { $person }): probablemente un familiar
reason-travel-companion = mismo { $contact ->
        [email] correo de la reserva
       *[phone] teléfono de la reserva
    } pero no coinciden ni el apellido ni el nombre: probablemente un acompañante
reason-possible-married-name = el contacto y el nombre coinciden con otro apellido ({ $passenger } frente a { $person }): quizá un apellido de casada o de nacimiento; revíselo
reason-frequent-flyer-name-mismatch = coincide el número de viajero frecuente pero no el nombre: quizá un número prestado a un acompañante; revíselo
reason-child-shares-name = el pasajero viaja como { $class ->
        [infant] bebé
       *[child] niño
    } con el mismo nombre: quizá un hijo de la persona; revíselo
reason-name-too-common = unas { $count } personas llevan este nombre, así que compartir fecha de nacimiento no prueba nada; revíselo
reason-rare-name-only = solo coincide el nombre, aunque es poco común (se esperan unas { $count } personas que lo lleven); revíselo
reason-conflicting-evidence = hay pruebas fuertes en los dos sentidos; revíselo
reason-several-candidates = { $count } personas del registro encajan con este pasajero; elija
reason-several-passengers = { $count } pasajeros de este vuelo encajan con la misma persona; elija
reason-staff-confirmed = alguien del personal ya confirmó este vínculo
reason-staff-rejected = alguien del personal ya rechazó este vínculo
reason-staff-linked-another = alguien del personal vinculó a este pasajero con otra persona

## Tablas y gráficos de los informes

report-word-stage = etapa
report-word-count = número
report-word-step = paso
report-word-median = mediana
report-word-bucket = intervalo
report-word-measure = medida
report-word-value = valor
report-word-station = escala
report-word-desk = mesa
report-word-hour = hora
report-word-met = cumplidos
report-word-missed = incumplidos
report-word-escalated = escalados
report-word-boarded-linked-to-a-person = embarcados, vinculados a una persona
report-word-gate-tasks = tareas de puerta
report-word-cabin-tasks = tareas de cabina
report-word-social-tasks = tareas en redes
report-word-reached = atendidos
report-word-not-found = no encontrados
report-word-refused = rechazados
report-word-expired = caducados
report-word-cancelled = cancelados
report-word-pending = pendientes
report-word-new-issue-raised = nueva incidencia planteada
report-word-linked-by-the-matcher = vinculados por el identificador
report-word-confirmed-in-review = confirmados en revisión
report-word-rejected = descartados
report-word-waiting-for-review = pendientes de revisión
report-word-review-queue-median-age-minutes = cola de revisión, antigüedad mediana (minutos)
report-word-review-queue-oldest-minutes = cola de revisión, la más antigua (minutos)
report-word-gate-scan-to-task = puerta: del escaneo a la tarea
report-word-gate-task-to-i-m-going = puerta: de la tarea a «Voy yo»
report-word-gate-task-to-outcome = puerta: de la tarea al resultado
report-word-social-task-to-claim = redes: de la tarea a tomarla
report-word-social-claim-to-message-sent = redes: de tomarla al mensaje enviado
report-word-social-sent-to-delivered = redes: de enviado a entregado
report-word-social-sent-to-read = redes: de enviado a leído
report-word-social-sent-to-first-reply = redes: de enviado a la primera respuesta
report-word-social-task-to-message-sent = redes: de la tarea al mensaje enviado
report-word-social-task-to-outcome = redes: de la tarea al resultado
report-word-boarded = embarcados
report-word-gate = puerta
report-word-cabin = cabina
report-word-social = redes
report-word-new-issue = nueva incidencia
