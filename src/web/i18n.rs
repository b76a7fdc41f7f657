//! The staff interface's words in English and Spanish, and times shown in an airport's local time.
//!
//! Every string a page shows is a `Msg` variant; `Msg::text` holds both languages side by side, so the
//! compiler refuses a key without its translation. To add a string: add a variant, add its line to the
//! match, and write `{{ page.t(Msg::YourKey) }}` in the template.

use chrono::{DateTime, Utc};

use crate::airports;
use crate::domain::{Channel, FlightStatus, Iata, Role, TaskState, UiLanguage};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    SkipToContent,
    Home,
    SignIn,
    SignOut,
    Login,
    Password,
    WrongCredentials,
    FormExpired,
    SignedInAs,
    Role,
    Stations,
    Languages,
    YourPages,
    NoPagesYet,
    GateTasks,
    OpenStation,
    Station,
    Open,
    TimesIn,
    Due,
    Expires,
    Gate,
    Priority,
    Task,
    State,
    NoOpenTasks,
    Forbidden,
    ForbiddenText,
    NotFound,
    NotFoundText,
    BackHome,
    BadAddress,
    Recorded,
    Undo,
    Undone,
    TooLateToUndo,
    UnknownStation,
    UnknownStationText,
    Escalated,
    BadDateText,
    // admin pages
    StaffAccounts,
    ApiTokens,
    StationsStaffing,
    AddAccount,
    AllAccounts,
    DisplayName,
    StationsOrLanguages,
    PageLanguage,
    AccountEnabled,
    AccountDisabled,
    StationsHelp,
    LanguagesHelp,
    TemporaryPasswordHelp,
    TemporaryPassword,
    NewApiToken,
    ShownOnce,
    Done,
    Save,
    ChangesSaved,
    ResetPassword,
    DisableAccount,
    EnableAccount,
    AccountDisabledDone,
    AccountEnabledDone,
    TokenRevokedDone,
    CreateToken,
    CreatedAt,
    LastUsed,
    Never,
    Revoke,
    Revoked,
    Staffed,
    ShiftStarts,
    ShiftEnds,
    ShiftHelp,
    NoStationsYet,
    AddStation,
    ChooseRole,
    BadLogin,
    LoginTaken,
    BadLanguageCode,
    BadStationCode,
    GateNeedsStation,
    AdvisorNeedsLanguage,
    ScopeNotForRole,
    BadTokenName,
    BadShift,
    KeepOwnAdmin,
    KeepOwnAccount,
    // advisor console
    SocialTasks,
    Passenger,
    Language,
    Flight,
    Claim,
    OpenTask,
    ClaimedByYou,
    ClaimedByOther,
    NoSocialTasks,
    WhyThisTask,
    Cases,
    NoCases,
    Networks,
    CanWriteNow,
    HumanAgentOnly,
    TemplateOnlyNow,
    NoTemplateConfigured,
    CannotWriteNow,
    Route,
    Departure,
    Arrival,
    FlightStatus,
    WriteMessage,
    WriteOwnWords,
    Network,
    Send,
    Template,
    FreeTextNoTemplate,
    TemplateParameters,
    NearDuplicate,
    SendAnyway,
    Messages,
    NoMessages,
    MessageQueued,
    MessageSending,
    MessageSent,
    MessageFailed,
    MessageUnknown,
    MessageUnconfirmed,
    MessageDelivered,
    MessageRead,
    SendAgain,
    PersonReplied,
    NewReplies,
    NotDelivered,
    DemoNetwork,
    WillRetry,
    SandboxNote,
    Outcome,
    Note,
    RecordOutcome,
    ClaimToWrite,
    TaskIsClosed,
    Opened,
    CaseOpen,
    CaseResolved,
    OutcomeMessageSent,
    OutcomeTalkedAllWell,
    OutcomeTalkedNewIssue,
    OutcomeNotFound,
    OutcomeDeclined,
    AskedNoContact,
    BackToQueue,
    TaskTaken,
    // gate and ops pages
    ChooseGate,
    GateOptional,
    Show,
    TodaysFlights,
    NoFlightsToday,
    LiveUpdates,
    Estimated,
    Status,
    PrintList,
    NoTasksForFlight,
    TalkedAllWell,
    TalkedNewIssue,
    PassengerNotFound,
    Declined,
    Offloaded,
    CabinList,
    BackToList,
    Seat,
    Name,
    Brief,
    FlightsBoard,
    NoFlightsOnDate,
    Destination,
    OpenTasks,
    ClaimedTasks,
    DoneTasks,
    EndedTasks,
    RulesInForce,
    Source,
    LoadedAt,
    LastError,
    NoneWord,
    RuleIds,
    SchedulerJobs,
    Job,
    Schedule,
    RunsHere,
    NextRun,
    LastRun,
    Yes,
    No,
    OutcomeRefused,
    OutcomeRefusedText,
    // match review, ops import page, gate claim
    MatchReview,
    ReviewIntro,
    NoReviewCases,
    ReviewShowingFirst,
    ManifestPassenger,
    RegistryPerson,
    Field,
    Comparison,
    PassportName,
    DateOfBirth,
    FrequentFlyer,
    Email,
    Phone,
    BookingAndSeat,
    CountryAndLanguage,
    MatchScore,
    MatcherReasons,
    EvidenceAgrees,
    EvidenceConflicts,
    EvidenceDiffers,
    TimeNotKnown,
    ConfirmSamePerson,
    RejectNotSamePerson,
    LinkConfirmed,
    LinkRejected,
    IsSamePerson,
    IsNotSamePerson,
    DecisionRemembered,
    DecisionRefused,
    DecisionRefusedText,
    ImportFiles,
    ImportHelp,
    WhatTheFilesHold,
    ManifestFiles,
    RegistryFiles,
    ManifestFormat,
    FormatFromContent,
    FilesToImport,
    ImportButton,
    ImportResults,
    FileImported,
    FileRefused,
    File,
    Line,
    Reason,
    MoreErrors,
    Warnings,
    WarningsHelp,
    MoreWarnings,
    ChooseAFile,
    UploadTooLarge,
    UploadUnreadable,
    HeldMessages,
    HeldMessagesHelp,
    TypeBMessage,
    PartsHeld,
    PartsMissing,
    WaitingFor,
    WaitingForParts,
    WaitingForFlightPnl,
    WaitingForEarlierMessage,
    WaitingForTurn,
    Age,
    ImGoing,
    YouAreGoing,
    ClaimedBy,
    // event stream
    EventStream,
    NoEvents,
    Time,
    Kind,
    Actor,
    Subject,
    Person,
    Detail,
    NextPage,
    From,
    To,
    Channel,
    Rule,
    // reports
    Reports,
    ReportsIntro,
    DownloadCsv,
    ReportFunnel,
    ReportLatency,
    ReportHistogram,
    ReportDeadlinesByStation,
    ReportDeadlinesByDesk,
    ReportDeadlinesByHour,
    ReportMatching,
    Charts,
    AmbassadorCandidates,
    AmbassadorsIntro,
    NoAmbassadors,
    RegistryId,
    AllWell,
    Reach,
    Uplift,
    UpliftIntro,
    UpliftDays,
    UpliftGroups,
    Treated,
    HeldOut,
    Exempt,
    OutcomeNewCase,
    OutcomeActive,
    OutcomeFlewAgain,
}

impl Msg {
    /// The label of a filter field of the event stream and the reports, by its query name.
    pub fn filter_label(name: &str) -> Msg {
        match name {
            "from" => Msg::From,
            "to" => Msg::To,
            "kind" => Msg::Kind,
            "flight" => Msg::Flight,
            "person" => Msg::Person,
            "task" => Msg::Task,
            "station" => Msg::Station,
            "channel" => Msg::Channel,
            "network" => Msg::Network,
            "rule" => Msg::Rule,
            "desk" => Msg::Language,
            "days" => Msg::UpliftDays,
            _ => Msg::Detail,
        }
    }

    /// The title of a report's table, by its name in URLs.
    pub fn report_table(name: &str) -> Msg {
        match name {
            "funnel" => Msg::ReportFunnel,
            "latency" => Msg::ReportLatency,
            "histogram" => Msg::ReportHistogram,
            "deadlines_by_station" => Msg::ReportDeadlinesByStation,
            "deadlines_by_desk" => Msg::ReportDeadlinesByDesk,
            "deadlines_by_hour" => Msg::ReportDeadlinesByHour,
            _ => Msg::ReportMatching,
        }
    }

    pub fn text(self, language: UiLanguage) -> &'static str {
        let (en, es) = match self {
            Msg::SkipToContent => ("Skip to content", "Saltar al contenido"),
            Msg::Home => ("Home", "Inicio"),
            Msg::SignIn => ("Sign in", "Iniciar sesión"),
            Msg::SignOut => ("Sign out", "Cerrar sesión"),
            Msg::Login => ("Login", "Usuario"),
            Msg::Password => ("Password", "Contraseña"),
            Msg::WrongCredentials => (
                "Wrong login or password.",
                "Usuario o contraseña incorrectos.",
            ),
            Msg::FormExpired => (
                "This form had expired. Please try again.",
                "El formulario había caducado. Inténtelo de nuevo.",
            ),
            Msg::SignedInAs => ("Signed in as", "Sesión iniciada como"),
            Msg::Role => ("Role", "Rol"),
            Msg::Stations => ("Stations", "Escalas"),
            Msg::Languages => ("Languages", "Idiomas"),
            Msg::YourPages => ("Your pages", "Sus páginas"),
            Msg::NoPagesYet => (
                "The pages for your role are not available yet.",
                "Las páginas de su rol aún no están disponibles.",
            ),
            Msg::GateTasks => ("Gate tasks", "Tareas de puerta"),
            Msg::OpenStation => ("Open a station", "Abrir una escala"),
            Msg::Station => ("Station (IATA code)", "Escala (código IATA)"),
            Msg::Open => ("Open", "Abrir"),
            Msg::TimesIn => ("Times in", "Horas en"),
            Msg::Due => ("Due", "Para"),
            Msg::Expires => ("Expires", "Caduca"),
            Msg::Gate => ("Gate", "Puerta"),
            Msg::Priority => ("Priority", "Prioridad"),
            Msg::Task => ("Task", "Tarea"),
            Msg::State => ("State", "Estado"),
            Msg::NoOpenTasks => (
                "No open tasks at this station.",
                "No hay tareas abiertas en esta escala.",
            ),
            Msg::Forbidden => ("Not allowed", "No permitido"),
            Msg::ForbiddenText => (
                "Your role or scope does not cover this page.",
                "Su rol o su ámbito no incluyen esta página.",
            ),
            Msg::NotFound => ("Not found", "No encontrado"),
            Msg::NotFoundText => (
                "There is nothing at this address.",
                "No hay nada en esta dirección.",
            ),
            Msg::BackHome => ("Back to the start page", "Volver al inicio"),
            Msg::Escalated => (
                "Urgent: deadline near or past",
                "Urgente: plazo a punto de vencer o vencido",
            ),
            Msg::UnknownStation => ("No such station", "No existe esa escala"),
            Msg::UnknownStationText => (
                "No airport has this code. Check the three letters of the station's IATA code, such as MAD.",
                "Ningún aeropuerto tiene este código. Revise las tres letras del código IATA de la escala, como MAD.",
            ),
            Msg::Recorded => ("Recorded", "Registrado"),
            Msg::Undo => ("Undo", "Deshacer"),
            Msg::Undone => (
                "Undone: the task is back on the list, as yours.",
                "Deshecho: la tarea vuelve a la lista, a su nombre.",
            ),
            Msg::TooLateToUndo => (
                "Too late to undo: the outcome stands.",
                "Demasiado tarde para deshacer: el resultado queda registrado.",
            ),
            Msg::BadAddress => ("This address is not right", "Esta dirección no es correcta"),
            Msg::BadDateText => (
                "The date in the address must be written YYYY-MM-DD, for example 2026-11-22.",
                "La fecha de la dirección debe escribirse AAAA-MM-DD, por ejemplo 2026-11-22.",
            ),
            // admin pages
            Msg::StaffAccounts => ("Staff accounts", "Cuentas del personal"),
            Msg::ApiTokens => ("API tokens", "Tokens de API"),
            Msg::StationsStaffing => ("Stations and shifts", "Escalas y turnos"),
            Msg::AddAccount => ("Add an account", "Añadir una cuenta"),
            Msg::AllAccounts => ("All accounts", "Todas las cuentas"),
            Msg::DisplayName => ("Name shown", "Nombre visible"),
            Msg::StationsOrLanguages => ("Stations or languages", "Escalas o idiomas"),
            Msg::PageLanguage => ("Page language", "Idioma de las páginas"),
            Msg::AccountEnabled => ("Enabled", "Activa"),
            Msg::AccountDisabled => ("Disabled", "Desactivada"),
            Msg::StationsHelp => (
                "Gate agents only: IATA codes, e.g. MAD, BCN.",
                "Solo agentes de puerta: códigos IATA, p. ej. MAD, BCN.",
            ),
            Msg::LanguagesHelp => (
                "Advisors only: language codes, e.g. es, en.",
                "Solo asesores: códigos de idioma, p. ej. es, en.",
            ),
            Msg::TemporaryPasswordHelp => (
                "aboard makes a temporary password and shows it once; hand it to the person.",
                "aboard crea una contraseña temporal y la muestra una sola vez; entréguesela a la persona.",
            ),
            Msg::TemporaryPassword => ("Temporary password", "Contraseña temporal"),
            Msg::NewApiToken => ("New API token", "Nuevo token de API"),
            Msg::ShownOnce => (
                "Copy it now: it is shown only once and aboard keeps no copy.",
                "Cópielo ahora: solo se muestra una vez y aboard no guarda copia.",
            ),
            Msg::Done => ("Done", "Hecho"),
            Msg::Save => ("Save", "Guardar"),
            Msg::ChangesSaved => ("Changes saved.", "Cambios guardados."),
            Msg::ResetPassword => ("Reset the password", "Restablecer la contraseña"),
            Msg::DisableAccount => ("Disable the account", "Desactivar la cuenta"),
            Msg::EnableAccount => ("Enable the account", "Reactivar la cuenta"),
            Msg::AccountDisabledDone => (
                "The account is disabled and its sessions are ended.",
                "La cuenta está desactivada y sus sesiones, cerradas.",
            ),
            Msg::AccountEnabledDone => (
                "The account can sign in again.",
                "La cuenta puede volver a iniciar sesión.",
            ),
            Msg::TokenRevokedDone => ("The token is revoked.", "El token está revocado."),
            Msg::CreateToken => ("Create a token", "Crear un token"),
            Msg::CreatedAt => ("Created", "Creado"),
            Msg::LastUsed => ("Last used", "Último uso"),
            Msg::Never => ("Never", "Nunca"),
            Msg::Revoke => ("Revoke", "Revocar"),
            Msg::Revoked => ("Revoked", "Revocado"),
            Msg::Staffed => ("Staffed", "Con personal"),
            Msg::ShiftStarts => ("Shift starts", "Inicio del turno"),
            Msg::ShiftEnds => ("Shift ends", "Fin del turno"),
            Msg::ShiftHelp => (
                "Shift times are the station's local time. Leave both empty for staff around the clock; a shift that ends before it starts runs past midnight.",
                "Las horas del turno son locales de la escala. Déjelas vacías si hay personal las 24 horas; un turno que acaba antes de empezar pasa la medianoche.",
            ),
            Msg::NoStationsYet => (
                "No station has been set yet.",
                "Aún no hay ninguna escala configurada.",
            ),
            Msg::AddStation => ("Add or change a station", "Añadir o cambiar una escala"),
            Msg::ChooseRole => ("Choose a role.", "Elija un rol."),
            Msg::BadLogin => (
                "The login may have 1 to 64 letters, digits, '.', '-' or '_', starting with a letter or digit.",
                "El usuario admite de 1 a 64 letras, cifras, '.', '-' o '_', y empieza por letra o cifra.",
            ),
            Msg::LoginTaken => ("That login is already taken.", "Ese usuario ya existe."),
            Msg::BadLanguageCode => (
                "Languages are two-letter codes such as es or en.",
                "Los idiomas son códigos de dos letras, como es o en.",
            ),
            Msg::BadStationCode => (
                "Stations are three-letter IATA codes such as MAD.",
                "Las escalas son códigos IATA de tres letras, como MAD.",
            ),
            Msg::GateNeedsStation => (
                "A gate agent needs at least one station.",
                "Un agente de puerta necesita al menos una escala.",
            ),
            Msg::AdvisorNeedsLanguage => (
                "An advisor needs at least one language.",
                "Un asesor necesita al menos un idioma.",
            ),
            Msg::ScopeNotForRole => (
                "Only gate agents have stations and only advisors have languages.",
                "Solo los agentes de puerta tienen escalas y solo los asesores, idiomas.",
            ),
            Msg::BadTokenName => (
                "A token's name must have 1 to 100 characters.",
                "El nombre del token debe tener de 1 a 100 caracteres.",
            ),
            Msg::BadShift => (
                "A shift needs both a start and an end (HH:MM), or neither for around the clock.",
                "Un turno necesita inicio y fin (HH:MM), o ninguno para las 24 horas.",
            ),
            Msg::KeepOwnAdmin => (
                "You cannot take the administrator role from your own account.",
                "No puede quitar el rol de administrador a su propia cuenta.",
            ),
            Msg::KeepOwnAccount => (
                "You cannot disable your own account.",
                "No puede desactivar su propia cuenta.",
            ),
            // advisor console
            Msg::SocialTasks => ("Social tasks", "Tareas en redes sociales"),
            Msg::Passenger => ("Passenger", "Pasajero"),
            Msg::Language => ("Language", "Idioma"),
            Msg::Flight => ("Flight", "Vuelo"),
            Msg::Claim => ("Claim", "Asignármela"),
            Msg::OpenTask => ("Open", "Abrir"),
            Msg::ClaimedByYou => ("Claimed by you", "Asignada a usted"),
            Msg::ClaimedByOther => ("Claimed by someone else", "Asignada a otra persona"),
            Msg::NoSocialTasks => (
                "No social tasks for your languages.",
                "No hay tareas en redes para sus idiomas.",
            ),
            Msg::WhyThisTask => ("Why this task exists", "Por qué existe esta tarea"),
            Msg::Cases => ("Complaint cases", "Reclamaciones"),
            Msg::NoCases => ("No cases on record.", "No hay reclamaciones registradas."),
            Msg::Networks => ("Networks", "Redes"),
            Msg::CanWriteNow => ("Can be written to now", "Se le puede escribir ahora"),
            Msg::HumanAgentOnly => (
                "Can be written to now as a human agent's reply (within 7 days of their last message)",
                "Se le puede escribir ahora como respuesta de un agente (hasta 7 días después de su último mensaje)",
            ),
            Msg::TemplateOnlyNow => (
                "Only an approved template may be sent now",
                "Ahora solo se puede enviar una plantilla aprobada",
            ),
            Msg::NoTemplateConfigured => (
                "No approved template is configured ([messaging.templates]), so nothing can be sent on this network now.",
                "No hay plantillas aprobadas configuradas ([messaging.templates]): ahora no se puede enviar nada por esta red.",
            ),
            Msg::CannotWriteNow => ("Cannot be written to now", "Ahora no se le puede escribir"),
            Msg::Route => ("Route", "Ruta"),
            Msg::Departure => ("Departure", "Salida"),
            Msg::Arrival => ("Arrival", "Llegada"),
            Msg::FlightStatus => ("Status", "Estado"),
            Msg::WriteMessage => ("Your message", "Su mensaje"),
            Msg::WriteOwnWords => (
                "Write in your own words: aboard never suggests a text.",
                "Escriba con sus propias palabras: aboard nunca propone un texto.",
            ),
            Msg::Network => ("Network", "Red"),
            Msg::Send => ("Send", "Enviar"),
            Msg::Template => ("Approved template", "Plantilla aprobada"),
            Msg::FreeTextNoTemplate => ("None: free text", "Ninguna: texto libre"),
            Msg::TemplateParameters => (
                "Template parameters, one per line",
                "Parámetros de la plantilla, uno por línea",
            ),
            Msg::NearDuplicate => (
                "This text is nearly the same as one already sent to another passenger. Make it about this person.",
                "Este texto es casi igual a uno ya enviado a otro pasajero. Escríbalo para esta persona.",
            ),
            Msg::SendAnyway => ("Send it anyway", "Enviarlo de todos modos"),
            Msg::Messages => ("Messages", "Mensajes"),
            Msg::NoMessages => ("No messages yet.", "Aún no hay mensajes."),
            Msg::MessageQueued => ("Queued", "En cola"),
            Msg::MessageSending => ("Sending", "Enviándose"),
            Msg::MessageSent => ("Sent", "Enviado"),
            Msg::MessageFailed => ("Failed", "Fallido"),
            Msg::MessageUnknown => (
                "Sent, not confirmed yet: waiting for the network to say whether it arrived",
                "Enviado, sin confirmar: esperando a que la red diga si llegó",
            ),
            Msg::MessageUnconfirmed => (
                "Not confirmed: the network never said whether it arrived. It was not sent again.",
                "Sin confirmar: la red nunca dijo si llegó. No se ha vuelto a enviar.",
            ),
            Msg::MessageDelivered => ("Delivered", "Entregado"),
            Msg::MessageRead => ("Read", "Leído"),
            Msg::SendAgain => ("Send it again", "Enviarlo de nuevo"),
            Msg::PersonReplied => ("The person wrote", "La persona escribió"),
            Msg::NewReplies => (
                "New replies on your tasks",
                "Respuestas nuevas en sus tareas",
            ),
            Msg::NotDelivered => (
                "No network is configured: messages are recorded here and NOT delivered to anyone.",
                "No hay ninguna red configurada: los mensajes se registran aquí y NO se entregan a nadie.",
            ),
            Msg::DemoNetwork => (
                "Demo: messages go to a fake local network, where some passengers answer a few seconds later.",
                "Demo: los mensajes van a una red local ficticia, donde algunos pasajeros responden a los pocos segundos.",
            ),
            Msg::WillRetry => ("Will retry after", "Se reintentará tras"),
            Msg::SandboxNote => (
                "Sandbox: recorded, not delivered. This is what would have been sent.",
                "Sandbox: registrado, no entregado. Esto es lo que se habría enviado.",
            ),
            Msg::Outcome => ("Outcome", "Resultado"),
            Msg::Note => ("Note (optional)", "Nota (opcional)"),
            Msg::RecordOutcome => (
                "Record the outcome and close",
                "Registrar el resultado y cerrar",
            ),
            Msg::ClaimToWrite => (
                "Claim the task to write to the passenger.",
                "Asígnese la tarea para escribir al pasajero.",
            ),
            Msg::TaskIsClosed => ("This task is closed.", "Esta tarea está cerrada."),
            Msg::Opened => ("Opened", "Abierta el"),
            Msg::CaseOpen => ("Open", "Abierta"),
            Msg::CaseResolved => ("Resolved", "Resuelta"),
            Msg::OutcomeMessageSent => ("Message sent", "Mensaje enviado"),
            Msg::OutcomeTalkedAllWell => ("Replied: all well", "Respondió: todo bien"),
            Msg::OutcomeTalkedNewIssue => ("Replied: a new issue", "Respondió: un problema nuevo"),
            Msg::OutcomeNotFound => ("Could not reach them", "No se le pudo contactar"),
            Msg::OutcomeDeclined => ("Did not want contact", "No quiso contacto"),
            Msg::AskedNoContact => ("Asked not to be contacted", "Pidió que no le contacten"),
            Msg::BackToQueue => ("Back to the social tasks", "Volver a las tareas en redes"),
            Msg::TaskTaken => (
                "Someone else claimed this task first.",
                "Otra persona se asignó esta tarea antes.",
            ),
            Msg::ChooseGate => (
                "Choose a station and gate, or a flight",
                "Elija una escala y una puerta, o un vuelo",
            ),
            Msg::GateOptional => ("Gate (optional)", "Puerta (opcional)"),
            Msg::Show => ("Show", "Mostrar"),
            Msg::TodaysFlights => ("Today's flights", "Vuelos de hoy"),
            Msg::NoFlightsToday => (
                "No flights today at your stations.",
                "Hoy no hay vuelos en sus escalas.",
            ),
            Msg::LiveUpdates => (
                "This list updates by itself.",
                "Esta lista se actualiza sola.",
            ),
            Msg::Estimated => ("Estimated", "Estimada"),
            Msg::Status => ("Status", "Estado del vuelo"),
            Msg::PrintList => ("Cabin crew list", "Lista para la tripulación"),
            Msg::NoTasksForFlight => (
                "No open tasks for this flight.",
                "No hay tareas abiertas en este vuelo.",
            ),
            Msg::TalkedAllWell => ("Talked, all well", "Hablado, todo bien"),
            Msg::TalkedNewIssue => ("Talked, new issue", "Hablado, nueva incidencia"),
            Msg::PassengerNotFound => ("Not found", "No encontrado"),
            Msg::Declined => ("Declined", "Rechazó hablar"),
            Msg::Offloaded => ("Offloaded", "Desembarcado"),
            Msg::CabinList => ("Cabin crew list", "Lista para la tripulación"),
            Msg::BackToList => ("Back to the gate list", "Volver a la lista de puerta"),
            Msg::Seat => ("Seat", "Asiento"),
            Msg::Name => ("Name", "Nombre"),
            Msg::Brief => ("Brief", "Resumen"),
            Msg::FlightsBoard => ("Flights board", "Panel de vuelos"),
            Msg::NoFlightsOnDate => ("No flights on this date.", "No hay vuelos en esta fecha."),
            Msg::Destination => ("Destination", "Destino"),
            Msg::OpenTasks => ("Open", "Abiertas"),
            Msg::ClaimedTasks => ("Claimed", "Asignadas"),
            Msg::DoneTasks => ("Done", "Hechas"),
            Msg::EndedTasks => ("Expired or cancelled", "Caducadas o canceladas"),
            Msg::RulesInForce => ("Rules in force", "Reglas en vigor"),
            Msg::Source => ("Source", "Origen"),
            Msg::LoadedAt => ("Loaded at", "Cargadas el"),
            Msg::LastError => ("Last refused reload", "Última recarga rechazada"),
            Msg::NoneWord => ("None", "Ninguna"),
            Msg::RuleIds => ("Rules", "Reglas"),
            Msg::SchedulerJobs => ("Scheduler jobs", "Tareas programadas"),
            Msg::Job => ("Job", "Tarea"),
            Msg::Schedule => ("Schedule", "Calendario"),
            Msg::RunsHere => ("Runs on this instance", "Se ejecuta en esta instancia"),
            Msg::NextRun => ("Next run", "Próxima ejecución"),
            Msg::LastRun => ("Last run", "Última ejecución"),
            Msg::Yes => ("Yes", "Sí"),
            Msg::No => ("No", "No"),
            Msg::OutcomeRefused => ("Outcome not recorded", "Resultado no registrado"),
            Msg::OutcomeRefusedText => (
                "That outcome is not one the gate can record. Go back and tap one of the four buttons.",
                "Ese resultado no se puede registrar en la puerta. Vuelva y pulse uno de los cuatro botones.",
            ),
            // match review, ops import page, gate claim
            Msg::MatchReview => ("Match review", "Revisión de coincidencias"),
            Msg::ReviewIntro => (
                "Passengers the matcher could not be sure of, the soonest flights first. Compare the booking with the registry person and decide: your decision is remembered and wins on this passenger's later flights too.",
                "Pasajeros que el emparejador no pudo confirmar, primero los vuelos más próximos. Compare la reserva con la persona del registro y decida: su decisión se recuerda y prevalece también en los próximos vuelos de este pasajero.",
            ),
            Msg::NoReviewCases => (
                "Nothing to review for your languages.",
                "No hay nada que revisar en sus idiomas.",
            ),
            Msg::ReviewShowingFirst => (
                "Showing the most urgent cases only; decide them to see more. Shown",
                "Solo se muestran los casos más urgentes; decídalos para ver más. Mostrados",
            ),
            Msg::ManifestPassenger => ("Passenger (manifest)", "Pasajero (lista de embarque)"),
            Msg::RegistryPerson => ("Person (registry)", "Persona (registro)"),
            Msg::Field => ("Field", "Campo"),
            Msg::Comparison => ("Compared", "Comparación"),
            Msg::PassportName => ("Passport name (DOCS)", "Nombre del pasaporte (DOCS)"),
            Msg::DateOfBirth => ("Date of birth", "Fecha de nacimiento"),
            Msg::FrequentFlyer => ("Frequent-flyer number", "Número de viajero frecuente"),
            Msg::Email => ("E-mail", "Correo electrónico"),
            Msg::Phone => ("Phone", "Teléfono"),
            Msg::BookingAndSeat => (
                "Booking · seat / registry id",
                "Reserva · asiento / id del registro",
            ),
            Msg::CountryAndLanguage => (
                "Nationality / country · language",
                "Nacionalidad / país · idioma",
            ),
            Msg::MatchScore => ("Score", "Puntuación"),
            Msg::MatcherReasons => (
                "The matcher's reasons (in English)",
                "Motivos del emparejador (en inglés)",
            ),
            Msg::EvidenceAgrees => ("agrees", "coincide"),
            Msg::EvidenceConflicts => ("conflicts", "contradice"),
            Msg::EvidenceDiffers => ("differs (proves nothing)", "distinto (no prueba nada)"),
            Msg::TimeNotKnown => (
                "departure time not known yet",
                "hora de salida aún desconocida",
            ),
            Msg::ConfirmSamePerson => ("Confirm: same person", "Confirmar: es la misma persona"),
            Msg::RejectNotSamePerson => (
                "Reject: not the same person",
                "Rechazar: no es la misma persona",
            ),
            Msg::LinkConfirmed => ("Confirmed", "Confirmado"),
            Msg::LinkRejected => ("Rejected", "Rechazado"),
            Msg::IsSamePerson => ("is", "es"),
            Msg::IsNotSamePerson => ("is not", "no es"),
            Msg::DecisionRemembered => (
                "Remembered for this passenger's later flights.",
                "Se recordará en los próximos vuelos de este pasajero.",
            ),
            Msg::DecisionRefused => ("Decision not recorded", "Decisión no registrada"),
            Msg::DecisionRefusedText => {
                ("Choose confirm or reject.", "Elija confirmar o rechazar.")
            }
            Msg::ImportFiles => ("Import files", "Importar ficheros"),
            Msg::ImportHelp => (
                "A file is refused whole only when a flight, passenger or person cannot be known: it shows every problem with its line, and nothing of it is kept. A value that cannot be understood is a warning: the record is kept without it.",
                "Un fichero se rechaza entero solo cuando no se puede saber un vuelo, un pasajero o una persona: se muestra cada problema con su línea y no se guarda nada de él. Un valor que no se entiende es un aviso: el registro se guarda sin él.",
            ),
            Msg::WhatTheFilesHold => ("What the files hold", "Qué contienen los ficheros"),
            Msg::ManifestFiles => (
                "Passenger manifests (PNL, ADL, CSV or JSON), SSIM schedules or MVT messages",
                "Listas de pasajeros (PNL, ADL, CSV o JSON), programas SSIM o mensajes MVT",
            ),
            Msg::RegistryFiles => (
                "Registry exports from social care (CSV or JSON)",
                "Exportaciones del registro de atención social (CSV o JSON)",
            ),
            Msg::ManifestFormat => ("Manifest format", "Formato de la lista"),
            Msg::FormatFromContent => ("Tell from the content", "Deducirlo del contenido"),
            Msg::FilesToImport => ("Files", "Ficheros"),
            Msg::ImportButton => ("Import", "Importar"),
            Msg::ImportResults => ("Result", "Resultado"),
            Msg::FileImported => ("imported", "importado"),
            Msg::FileRefused => (
                "refused, nothing was imported",
                "rechazado, no se importó nada",
            ),
            Msg::File => ("File", "Fichero"),
            Msg::Line => ("Line", "Línea"),
            Msg::Reason => ("Reason", "Motivo"),
            Msg::MoreErrors => ("more errors not listed", "errores más sin listar"),
            Msg::Warnings => ("Warnings", "Avisos"),
            Msg::WarningsHelp => (
                "Values that could not be understood: each record was kept, without the value or with it as written.",
                "Valores que no se pudieron entender: cada registro se guardó, sin el valor o con el valor tal como venía.",
            ),
            Msg::MoreWarnings => ("more warnings not listed", "avisos más sin listar"),
            Msg::HeldMessages => ("Incomplete Type B messages", "Mensajes Type B incompletos"),
            Msg::HeldMessagesHelp => (
                "PNL and ADL parts are held until their message is complete, then applied whole. An ADL \
                 waits for its flight's PNL.",
                "Las partes de PNL y ADL se guardan hasta que el mensaje está completo y entonces se \
                 aplica entero. Un ADL espera al PNL de su vuelo.",
            ),
            Msg::TypeBMessage => ("Message", "Mensaje"),
            Msg::PartsHeld => ("Parts held", "Partes recibidas"),
            Msg::PartsMissing => ("Parts missing", "Partes que faltan"),
            Msg::WaitingFor => ("Waiting for", "Espera"),
            Msg::WaitingForParts => ("missing parts", "las partes que faltan"),
            Msg::WaitingForFlightPnl => ("the flight's PNL", "el PNL del vuelo"),
            Msg::WaitingForEarlierMessage => (
                "an earlier incomplete message",
                "un mensaje anterior incompleto",
            ),
            Msg::WaitingForTurn => ("its turn", "su turno"),
            Msg::Age => ("Age", "Antigüedad"),
            Msg::EventStream => ("Event stream", "Registro de eventos"),
            Msg::NoEvents => (
                "No events match these filters.",
                "Ningún evento coincide con estos filtros.",
            ),
            Msg::Time => ("Time", "Hora"),
            Msg::Kind => ("Kind", "Tipo"),
            Msg::Actor => ("Actor", "Autor"),
            Msg::Subject => ("Subject", "Objeto"),
            Msg::Person => ("Person", "Persona"),
            Msg::Detail => ("Detail", "Detalle"),
            Msg::NextPage => ("Next page", "Página siguiente"),
            Msg::From => ("From", "Desde"),
            Msg::To => ("To", "Hasta"),
            Msg::Channel => ("Channel", "Canal"),
            Msg::Rule => ("Rule", "Regla"),
            Msg::Reports => ("Reports", "Informes"),
            Msg::ReportsIntro => (
                "Dates are each station's local dates. Every table downloads as CSV.",
                "Las fechas son las locales de cada escala. Cada tabla se descarga en CSV.",
            ),
            Msg::DownloadCsv => ("Download CSV", "Descargar CSV"),
            Msg::ReportFunnel => ("Funnel", "Embudo"),
            Msg::ReportLatency => ("Latency (minutes)", "Tiempos (minutos)"),
            Msg::ReportHistogram => ("Latency histogram", "Histograma de tiempos"),
            Msg::ReportDeadlinesByStation => ("Deadlines by station", "Plazos por escala"),
            Msg::ReportDeadlinesByDesk => ("Deadlines by desk", "Plazos por mesa"),
            Msg::ReportDeadlinesByHour => (
                "Deadlines by local hour due",
                "Plazos por hora local de vencimiento",
            ),
            Msg::ReportMatching => ("Identity matching", "Identificación"),
            Msg::Charts => ("Charts", "Gráficos"),
            Msg::AmbassadorCandidates => ("Ambassador candidates", "Posibles embajadores"),
            Msg::AmbassadorsIntro => (
                "Persons whose follow-ups ended all well at least twice, with no open case, who never opted out of contact; widest reach first.",
                "Personas cuyos seguimientos acabaron bien al menos dos veces, sin caso abierto y que nunca pidieron no ser contactadas; primero las de mayor alcance.",
            ),
            Msg::NoAmbassadors => ("No candidates yet.", "Aún no hay candidatos."),
            Msg::RegistryId => ("Registry id", "Id en el registro"),
            Msg::AllWell => ("All well", "Todo bien"),
            Msg::Reach => ("Reach (followers)", "Alcance (seguidores)"),
            Msg::Uplift => (
                "Did it help? Uplift against the holdout group",
                "¿Sirvió? Efecto frente al grupo de control",
            ),
            Msg::UpliftIntro => (
                "Passengers the rules chose, treated (followed up) against held out (the holdout group, who got no follow-up), by their flight's local date. Each outcome is looked for within the days after the flight; a passenger counts once their outcome can be known. Differences are treated minus held out, in percentage points, with their 95% interval.",
                "Pasajeros que las reglas eligieron, atendidos (con seguimiento) frente a apartados (el grupo de control, sin seguimiento), por la fecha local de su vuelo. Cada resultado se busca en los días siguientes al vuelo; un pasajero cuenta cuando su resultado puede conocerse. Las diferencias son atendidos menos apartados, en puntos porcentuales, con su intervalo del 95 %.",
            ),
            Msg::UpliftDays => ("Days after the flight", "Días tras el vuelo"),
            Msg::UpliftGroups => ("Groups", "Grupos"),
            Msg::Treated => ("Treated", "Atendidos"),
            Msg::HeldOut => ("Held out", "Apartados"),
            Msg::Exempt => (
                "Never held out (open case)",
                "Nunca apartados (caso abierto)",
            ),
            Msg::OutcomeNewCase => (
                "A new complaint case (registry)",
                "Un caso nuevo de queja (registro)",
            ),
            Msg::OutcomeActive => (
                "Active about the airline (registry)",
                "Activo sobre la aerolínea (registro)",
            ),
            Msg::OutcomeFlewAgain => (
                "Flew again (manifests)",
                "Volvió a volar (listas de pasajeros)",
            ),
            Msg::ChooseAFile => (
                "Choose a file to import.",
                "Elija un fichero para importar.",
            ),
            Msg::UploadTooLarge => (
                "The upload is too large.",
                "El fichero es demasiado grande.",
            ),
            Msg::UploadUnreadable => (
                "The upload could not be read; try again.",
                "No se pudo leer el envío; inténtelo de nuevo.",
            ),
            Msg::ImGoing => ("I'm going", "Voy yo"),
            Msg::YouAreGoing => ("You're going", "Va usted"),
            Msg::ClaimedBy => ("Going:", "Va:"),
        };
        match language {
            UiLanguage::En => en,
            UiLanguage::Es => es,
        }
    }
}

pub fn role_name(role: Role, language: UiLanguage) -> &'static str {
    let (en, es) = match role {
        Role::Ops => ("Operations", "Operaciones"),
        Role::Gate => ("Gate agent", "Agente de puerta"),
        Role::Advisor => ("Customer advisor", "Asesor de clientes"),
        Role::Admin => ("Administrator", "Administrador"),
        Role::Analyst => ("Analyst", "Analista"),
    };
    match language {
        UiLanguage::En => en,
        UiLanguage::Es => es,
    }
}

pub fn task_state_name(state: TaskState, language: UiLanguage) -> &'static str {
    let (en, es) = match state {
        TaskState::Open => ("Open", "Abierta"),
        TaskState::Claimed => ("Claimed", "Asignada"),
        TaskState::Done => ("Done", "Hecha"),
        TaskState::Expired => ("Expired", "Caducada"),
        TaskState::Cancelled => ("Cancelled", "Cancelada"),
    };
    match language {
        UiLanguage::En => en,
        UiLanguage::Es => es,
    }
}

pub fn flight_status_name(status: FlightStatus, language: UiLanguage) -> &'static str {
    let (en, es) = match status {
        FlightStatus::Scheduled => ("Scheduled", "Programado"),
        FlightStatus::CheckIn => ("Check-in", "Facturación"),
        FlightStatus::Boarding => ("Boarding", "Embarcando"),
        FlightStatus::GateClosed => ("Gate closed", "Puerta cerrada"),
        FlightStatus::Departed => ("Departed", "Despegado"),
        FlightStatus::Delayed => ("Delayed", "Retrasado"),
        FlightStatus::Arrived => ("Arrived", "Aterrizado"),
        FlightStatus::Cancelled => ("Cancelled", "Cancelado"),
        FlightStatus::Diverted => ("Diverted", "Desviado"),
    };
    match language {
        UiLanguage::En => en,
        UiLanguage::Es => es,
    }
}

pub fn channel_name(channel: Channel, language: UiLanguage) -> &'static str {
    let (en, es) = match channel {
        Channel::Gate => ("At the gate", "En la puerta"),
        Channel::Cabin => ("In the cabin", "En cabina"),
        Channel::Social => ("Social", "Redes sociales"),
    };
    match language {
        UiLanguage::En => en,
        UiLanguage::Es => es,
    }
}

/// A language's name in itself, for choosing the pages' language: the same word in every interface.
pub fn language_endonym(language: UiLanguage) -> &'static str {
    match language {
        UiLanguage::En => "English",
        UiLanguage::Es => "Español",
    }
}

/// The interface language a browser asks for, for pages shown before anyone signs in: the first of
/// English or Spanish in `Accept-Language`, English when neither is named.
pub fn language_from_accept(header: Option<&str>) -> UiLanguage {
    header
        .into_iter()
        .flat_map(|h| h.split(','))
        .filter_map(|tag| {
            let primary = tag.split(';').next()?.trim().split('-').next()?;
            primary.parse::<UiLanguage>().ok()
        })
        .next()
        .unwrap_or(UiLanguage::En)
}

/// An instant as the clock on the wall at `airport` shows it, with the zone's abbreviation:
/// `07:30 CET`. An airport the table does not know shows UTC, saying so.
pub fn local_time(instant: DateTime<Utc>, airport: &Iata) -> String {
    match airports::lookup(airport) {
        Some(a) => a.to_local(instant).format("%H:%M %Z").to_string(),
        None => instant.format("%H:%M UTC").to_string(),
    }
}

/// Like `local_time`, with the local date: `2026-11-22 07:30 CET`.
pub fn local_date_time(instant: DateTime<Utc>, airport: &Iata) -> String {
    match airports::lookup(airport) {
        Some(a) => a.to_local(instant).format("%Y-%m-%d %H:%M %Z").to_string(),
        None => instant.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// An instant at `airport` for a page read at `now`: the wall-clock time alone when it falls on the
/// airport's date of `now`, with its date otherwise, so that tomorrow's 08:10 never reads as today's.
pub fn day_time(instant: DateTime<Utc>, airport: &Iata, now: DateTime<Utc>) -> String {
    let same_day = match airports::lookup(airport) {
        Some(a) => a.to_local(instant).date_naive() == a.to_local(now).date_naive(),
        None => instant.date_naive() == now.date_naive(),
    };
    if same_day {
        local_time(instant, airport)
    } else {
        local_date_time(instant, airport)
    }
}

/// How far `due` is from `now`, for queues: "in 12 min", "in 2 h 05 min", "12 min late", "now".
pub fn until(due: DateTime<Utc>, now: DateTime<Utc>, language: UiLanguage) -> String {
    let minutes = (due - now).num_seconds().div_euclid(60);
    let span = |m: i64| match m {
        ..60 => format!("{m} min"),
        _ => format!("{} h {:02} min", m / 60, m % 60),
    };
    match (minutes, language) {
        (0, UiLanguage::En) => "now".to_string(),
        (0, UiLanguage::Es) => "ahora".to_string(),
        (m, UiLanguage::En) if m > 0 => format!("in {}", span(m)),
        (m, UiLanguage::Es) if m > 0 => format!("en {}", span(m)),
        (m, UiLanguage::En) => format!("{} late", span(-m)),
        (m, UiLanguage::Es) => format!("{} de retraso", span(-m)),
    }
}

/// The zone an airport's times are shown in, as it stands at `at`, for page headings:
/// `Europe/Madrid (CET)`.
pub fn zone_label(airport: &Iata, at: DateTime<Utc>) -> String {
    match airports::lookup(airport) {
        Some(a) => format!("{} ({})", a.tz.name(), a.to_local(at).format("%Z")),
        None => "UTC".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn times_show_the_airports_wall_clock_and_zone() {
        let mad = Iata::parse("MAD").unwrap();
        assert_eq!(local_time(utc("2026-11-22T07:30:00Z"), &mad), "08:30 CET");
        assert_eq!(local_time(utc("2026-07-01T07:30:00Z"), &mad), "09:30 CEST");
        assert_eq!(
            local_date_time(utc("2026-11-22T23:30:00Z"), &mad),
            "2026-11-23 00:30 CET"
        );
        let mex = Iata::parse("MEX").unwrap();
        assert_eq!(local_time(utc("2026-11-22T07:30:00Z"), &mex), "01:30 CST");
        assert_eq!(
            zone_label(&mad, utc("2026-07-01T07:30:00Z")),
            "Europe/Madrid (CEST)"
        );
        let unknown = Iata::parse("QQQ").unwrap();
        assert_eq!(
            local_time(utc("2026-11-22T07:30:00Z"), &unknown),
            "07:30 UTC"
        );
    }

    #[test]
    fn times_off_the_days_date_carry_it_and_queues_say_how_far_away() {
        let mad = Iata::parse("MAD").unwrap();
        // 23:35 in Madrid: 00:30 is tomorrow there, though it is still the same UTC date.
        let now = utc("2026-11-22T22:35:00Z");
        assert_eq!(
            day_time(utc("2026-11-22T22:50:00Z"), &mad, now),
            "23:50 CET"
        );
        assert_eq!(
            day_time(utc("2026-11-22T23:30:00Z"), &mad, now),
            "2026-11-23 00:30 CET"
        );
        assert_eq!(
            until(utc("2026-11-22T22:47:10Z"), now, UiLanguage::En),
            "in 12 min"
        );
        assert_eq!(
            until(utc("2026-11-23T00:40:00Z"), now, UiLanguage::Es),
            "en 2 h 05 min"
        );
        assert_eq!(
            until(utc("2026-11-22T22:23:00Z"), now, UiLanguage::En),
            "12 min late"
        );
        assert_eq!(
            until(utc("2026-11-22T22:22:59Z"), now, UiLanguage::Es),
            "13 min de retraso"
        );
        assert_eq!(
            until(utc("2026-11-22T22:35:30Z"), now, UiLanguage::En),
            "now"
        );
    }

    #[test]
    fn every_string_exists_in_both_languages_and_differs_where_it_should() {
        assert_eq!(Msg::SignIn.text(UiLanguage::En), "Sign in");
        assert_eq!(Msg::SignIn.text(UiLanguage::Es), "Iniciar sesión");
        assert_eq!(role_name(Role::Gate, UiLanguage::Es), "Agente de puerta");
        assert_eq!(
            task_state_name(TaskState::Claimed, UiLanguage::En),
            "Claimed"
        );
    }

    #[test]
    fn the_sign_in_page_follows_the_browsers_language() {
        assert_eq!(
            language_from_accept(Some("es-ES,es;q=0.9,en;q=0.8")),
            UiLanguage::Es
        );
        assert_eq!(
            language_from_accept(Some("fr-FR, en-GB;q=0.8")),
            UiLanguage::En
        );
        assert_eq!(language_from_accept(Some("de")), UiLanguage::En);
        assert_eq!(language_from_accept(None), UiLanguage::En);
    }
}
