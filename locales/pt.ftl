# A interface do pessoal do aboard em português.

language-name = Português

## Pages

skip-to-content = Saltar para o conteúdo
home = Início
sign-in = Iniciar sessão
sign-out = Terminar sessão
login = Utilizador
password = Palavra-passe
wrong-credentials = Utilizador ou palavra-passe incorretos.
too-many-signins = Demasiadas tentativas falhadas com este utilizador ou a partir deste endereço. Tente mais tarde.
form-expired = Este formulário tinha expirado. Tente de novo.
signed-in-as = Sessão iniciada como
role = Função
stations = Escalas
languages = Idiomas
your-pages = As suas páginas
no-pages-yet = As páginas da sua função ainda não estão disponíveis.
gate-tasks = Tarefas de porta
open-station = Abrir uma escala
station = Escala (código IATA)
open = Abrir
times-in = Horas em
due = Prazo
expires = Expira
gate = Porta
priority = Prioridade
task = Tarefa
state = Estado
no-open-tasks = Não há tarefas abertas nesta escala.
forbidden = Não permitido
forbidden-text = A sua função ou âmbito não inclui esta página.
not-found = Não encontrado
not-found-text = Não há nada neste endereço.
back-home = Voltar ao início
bad-address = Este endereço não está certo
recorded = Registado
undo = Anular
undone = Anulado: a tarefa volta à lista, atribuída a si.
too-late-to-undo = Tarde demais para anular: o resultado mantém-se.
unknown-station = Essa escala não existe
unknown-station-text = Nenhum aeroporto tem este código. Verifique as três letras do código IATA da escala, como MAD.
escalated = Urgente: prazo a vencer ou vencido
bad-date-text = A data no endereço deve escrever-se AAAA-MM-DD, por exemplo 2026-11-22.
staff-accounts = Contas do pessoal
api-tokens = Tokens da API
stations-staffing = Escalas e turnos
add-account = Adicionar uma conta
all-accounts = Todas as contas
display-name = Nome visível
stations-or-languages = Escalas ou idiomas
page-language = Idioma das páginas
account-enabled = Ativa
account-disabled = Desativada
stations-help = Só agentes de porta: códigos IATA, p. ex. MAD, BCN.
languages-help = Só assessores: códigos de idioma, p. ex. es, en.
temporary-password-help = O aboard cria uma palavra-passe temporária e mostra-a uma só vez; entregue-a à pessoa.
temporary-password = Palavra-passe temporária
new-api-token = Novo token da API
shown-once = Copie-o agora: só é mostrado uma vez e o aboard não guarda cópia.
done = Feito
save = Guardar
changes-saved = Alterações guardadas.
reset-password = Repor a palavra-passe
disable-account = Desativar a conta
enable-account = Reativar a conta
account-disabled-done = A conta está desativada e as suas sessões terminadas.
account-enabled-done = A conta pode voltar a iniciar sessão.
token-revoked-done = O token está revogado.
create-token = Criar um token
created-at = Criado
last-used = Última utilização
never = Nunca
revoke = Revogar
revoked = Revogado
staffed = Com pessoal
shift-starts = Início do turno
shift-ends = Fim do turno
shift-help = As horas do turno são as locais da escala. Deixe ambas vazias se houver pessoal 24 horas; um turno que acaba antes de começar passa a meia-noite.
no-stations-yet = Ainda não há nenhuma escala configurada.
add-station = Adicionar ou alterar uma escala
choose-role = Escolha uma função.
bad-login = O utilizador admite de 1 a 64 letras, algarismos, '.', '-' ou '_', e começa por letra ou algarismo.
login-taken = Esse utilizador já existe.
bad-language-code = Os idiomas são códigos de duas letras, como es ou en.
bad-station-code = As escalas são códigos IATA de três letras, como MAD.
gate-needs-station = Um agente de porta precisa de pelo menos uma escala.
advisor-needs-language = Um assessor precisa de pelo menos um idioma.
scope-not-for-role = Só os agentes de porta têm escalas e só os assessores têm idiomas.
bad-token-name = O nome do token deve ter de 1 a 100 caracteres.
bad-shift = Um turno precisa de início e fim (HH:MM), ou de nenhum para 24 horas.
keep-own-admin = Não pode retirar a função de administrador à sua própria conta.
keep-own-account = Não pode desativar a sua própria conta.
social-tasks = Tarefas nas redes sociais
passenger = Passageiro
language = Idioma
flight = Voo
claim = Ficar com ela
open-task = Abrir
claimed-by-you = Atribuída a si
claimed-by-other = Atribuída a outra pessoa
no-social-tasks = Não há tarefas nas redes para os seus idiomas.
why-this-task = Porque existe esta tarefa
cases = Reclamações
no-cases = Não há reclamações registadas.
networks = Redes
can-write-now = Pode escrever-lhe agora
human-agent-only = Pode escrever-lhe agora como resposta de um agente (até 7 dias após a última mensagem da pessoa)
template-only-now = Agora só se pode enviar um modelo aprovado
no-template-configured = Não há nenhum modelo aprovado configurado ([messaging.templates]), por isso agora não se pode enviar nada nesta rede.
cannot-write-now = Não se lhe pode escrever agora
route = Rota
departure = Partida
arrival = Chegada
flight-status = Estado
write-message = A sua mensagem
write-own-words = Escreva por palavras suas: o aboard nunca sugere um texto.
network = Rede
send = Enviar
template = Modelo aprovado
free-text-no-template = Nenhum: texto livre
template-parameters = Parâmetros do modelo, um por linha
near-duplicate = Este texto é quase igual a um já enviado a outro passageiro. Escreva-o para esta pessoa.
send-anyway = Enviar mesmo assim
messages = Mensagens
no-messages = Ainda não há mensagens.
message-queued = Em fila
message-sending = A enviar
message-sent = Enviada
message-failed = Falhou
message-unknown = Enviada, ainda não confirmada: à espera de que a rede diga se chegou
message-unconfirmed = Não confirmada: a rede nunca disse se chegou. Não foi enviada de novo.
message-delivered = Entregue
message-read = Lida
send-again = Enviar de novo
person-replied = A pessoa escreveu
new-replies = Novas respostas nas suas tarefas
not-delivered = Não há nenhuma rede configurada: as mensagens ficam registadas aqui e NÃO são entregues a ninguém.
demo-network = Demonstração: as mensagens vão para uma rede local fictícia, onde alguns passageiros respondem uns segundos depois.
will-retry = Nova tentativa depois de
sandbox-note = Ambiente de teste: registada, não entregue. Isto é o que teria sido enviado.
outcome = Resultado
note = Nota (opcional)
record-outcome = Registar o resultado e fechar
claim-to-write = Fique com a tarefa para escrever ao passageiro.
task-is-closed = Esta tarefa está fechada.
opened = Aberta em
case-open = Aberta
case-resolved = Resolvida
outcome-message-sent = Mensagem enviada
outcome-talked-all-well = Respondeu: tudo bem
outcome-talked-new-issue = Respondeu: um problema novo
outcome-not-found = Não foi possível contactá-la
outcome-declined = Não quis contacto
asked-no-contact = Pediu para não ser contactada
back-to-queue = Voltar às tarefas nas redes
task-taken = Outra pessoa ficou com esta tarefa primeiro.
choose-gate = Escolha uma escala e uma porta, ou um voo
gate-optional = Porta (opcional)
show = Mostrar
todays-flights = Voos de hoje
no-flights-today = Não há voos hoje nas suas escalas.
live-updates = Esta lista atualiza-se sozinha.
estimated = Estimada
status = Estado
print-list = Lista para a tripulação
no-tasks-for-flight = Não há tarefas abertas para este voo.
talked-all-well = Falámos, tudo bem
talked-new-issue = Falámos, problema novo
passenger-not-found = Não encontrado
declined = Recusou
offloaded = Desembarcado
cabin-list = Lista para a tripulação
back-to-list = Voltar à lista da porta
seat = Lugar
name = Nome
brief = Resumo
flights-board = Painel de voos
no-flights-on-date = Não há voos nesta data.
destination = Destino
open-tasks = Abertas
claimed-tasks = Atribuídas
done-tasks = Feitas
ended-tasks = Expiradas ou canceladas
rules-in-force = Regras em vigor
source = Origem
shipped-rules = as regras incluídas no aboard
loaded-at = Carregadas em
last-error = Último recarregamento recusado
none-word = Nenhum
rule-ids = Regras
scheduler-jobs = Trabalhos do planificador
job = Trabalho
schedule = Horário
runs-here = Corre nesta instância
next-run = Próxima execução
last-run = Última execução
yes = Sim
no = Não
outcome-refused = Resultado não registado
outcome-refused-text = A porta não pode registar esse resultado. Volte atrás e toque num dos botões de resultado.
match-review = Revisão de correspondências
review-intro = Passageiros de que o identificador não teve certeza, os voos mais próximos primeiro. Compare a reserva com a pessoa do registo e decida: a sua decisão fica guardada e prevalece também nos voos seguintes deste passageiro.
no-review-cases = Nada para rever nos seus idiomas.
review-showing-first = Só se mostram os casos mais urgentes; decida-os para ver mais. Mostrados
manifest-passenger = Passageiro (lista)
registry-person = Pessoa (registo)
field = Campo
comparison = Comparação
passport-name = Nome no passaporte (DOCS)
date-of-birth = Data de nascimento
frequent-flyer = Número de passageiro frequente
email = Correio eletrónico
phone = Telefone
booking-and-seat = Reserva · lugar / id no registo
country-and-language = Nacionalidade / país · idioma
match-score = Pontuação
matcher-reasons = Motivos do identificador
evidence-agrees = coincide
evidence-conflicts = contradiz
evidence-differs = difere (não prova nada)
time-not-known = hora de partida ainda desconhecida
confirm-same-person = Confirmar: a mesma pessoa
reject-not-same-person = Rejeitar: não é a mesma pessoa
link-confirmed = Confirmado
link-rejected = Rejeitado
is-same-person = é
is-not-same-person = não é
decision-remembered = Guardado para os voos seguintes deste passageiro.
decision-refused = Decisão não registada
decision-refused-text = Escolha confirmar ou rejeitar.
import-files = Importar ficheiros
import-help = Um ficheiro só é recusado inteiro quando não se pode saber um voo, um passageiro ou uma pessoa: mostra-se cada problema com a sua linha e nada dele é guardado. Um valor que não se entende é um aviso: o registo guarda-se sem ele.
what-the-files-hold = O que contêm os ficheiros
manifest-files = Listas de passageiros (PNL, ADL, CSV ou JSON), horários SSIM ou mensagens MVT
registry-files = Exportações do registo do apoio nas redes (CSV ou JSON)
manifest-format = Formato da lista
format-from-content = Deduzir do conteúdo
files-to-import = Ficheiros
import-button = Importar
import-results = Resultado
file-imported = importado
file-refused = recusado, nada foi importado
file = Ficheiro
line = Linha
reason = Motivo
more-errors = erros mais não listados
warnings = Avisos
warnings-help = Valores que não se puderam entender: cada registo foi guardado, sem o valor ou com ele tal como veio.
more-warnings = avisos mais não listados
choose-a-file = Escolha um ficheiro para importar.
upload-too-large = O ficheiro é demasiado grande.
upload-unreadable = Não foi possível ler o envio; tente de novo.
held-messages = Mensagens Type B incompletas
held-messages-help = As partes de PNL e ADL ficam guardadas até a mensagem estar completa e então aplica-se inteira. Um ADL espera pelo PNL do seu voo.
type-b-message = Mensagem
parts-held = Partes recebidas
parts-missing = Partes em falta
waiting-for = À espera de
waiting-for-parts = as partes em falta
waiting-for-flight-pnl = o PNL do voo
waiting-for-earlier-message = uma mensagem anterior incompleta
waiting-for-turn = a sua vez
age = Antiguidade
im-going = Vou eu
you-are-going = Vai você
claimed-by = Vai:
event-stream = Registo de eventos
no-events = Nenhum evento corresponde a estes filtros.
time = Hora
kind = Tipo
actor = Autor
subject = Objeto
person = Pessoa
detail = Detalhe
next-page = Página seguinte
from = Desde
to = Até
channel = Canal
rule = Regra
reports = Relatórios
reports-intro = As datas são as locais de cada escala. Cada tabela descarrega-se em CSV.
download-csv = Descarregar CSV
report-funnel = Funil
report-latency = Tempos (minutos)
report-histogram = Histograma de tempos
report-deadlines-by-station = Prazos por escala
report-deadlines-by-desk = Prazos por mesa
report-deadlines-by-hour = Prazos por hora local de vencimento
report-matching = Identificação
charts = Gráficos
ambassador-candidates = Possíveis embaixadores
ambassadors-intro = Pessoas cujos acompanhamentos acabaram bem pelo menos duas vezes, sem caso aberto, que nunca pediram para não ser contactadas; primeiro as de maior alcance.
no-ambassadors = Ainda não há candidatos.
registry-id = Id no registo
all-well = Tudo bem
reach = Alcance (seguidores)

## Did it help: the holdout report

uplift = Serviu? Efeito face ao grupo de controlo
uplift-intro = Passageiros que as regras escolheram, acompanhados face aos deixados de fora (o grupo de controlo, sem acompanhamento), pela data local do seu voo. Cada resultado procura-se nos dias seguintes ao voo; um passageiro conta quando o seu resultado pode ser conhecido. As diferenças são acompanhados menos deixados de fora, em pontos percentuais, com o seu intervalo de 95 %.
uplift-days = Dias após o voo
uplift-groups = Grupos
treated = Acompanhados
held-out = Deixados de fora
exempt = Nunca deixados de fora (caso aberto)
outcome-new-case = Um caso novo de reclamação (registo)
outcome-active = Ativo sobre a companhia (registo)
outcome-flew-again = Voltou a voar (listas de passageiros)

## The match review's score; the scheduler's catch-up runs

match-score-scale = A pontuação soma as provas: número de passageiro frequente 12, correio eletrónico da reserva 9, telefone 8, data de nascimento 7, apelido e nome próprio até 4 cada um; cada contradição tira 10. 44 é tudo a coincidir. Ordena a lista; decidem as regras do identificador, não um limiar da pontuação.
catch-up-of = a recuperar a execução prevista para
job-scheduler-off = o planificador está desligado nesta instância (scheduler.enabled)
job-turned-off = desativado na configuração
job-setting-not-set = falta { $setting } na configuração
job-misconfigured = a configuração não é válida: { $why }

## The gate view without a network

offline-waiting = Sem rede: os seus toques ficam guardados neste tablet e são enviados quando voltar. Em espera:
offline-sent = A rede voltou: todos os toques foram enviados.

## Your own account

my-account = A minha conta
my-language = Idioma das minhas páginas
language-changed = As suas páginas estão agora em português.

## A task's brief and why it exists

brief-in-english = em inglês
flight-time-unknown = Hora do voo desconhecida: prazo suposto.
rule-expression-for-ops = As expressões das regras são mostradas ao pessoal de operações.

## How far away a due time is: $span is "12 min" or "2 h 05 min"

until-now = agora
until-ahead = dentro de { $span }
until-late = { $span } de atraso

## Why an advisor's send was refused

empty-message = Escreva uma mensagem antes de a enviar.
no-recipient = A conta de { $network } da pessoa não tem identificador de utilizador a quem escrever.
template-required = Em { $network } agora só se pode enviar um modelo aprovado: escolha um.
not-allowed-no-opt-in = a pessoa não aceitou receber mensagens da companhia aérea em { $network }
not-allowed-direct-messages-closed = em X a pessoa não segue a companhia aérea nem aceita mensagens de qualquer pessoa
not-allowed-window-closed = { $network } só permite responder até 7 dias após a última mensagem da pessoa, que foi há { $days } dias
not-allowed-never-first = { $network } nunca permite que uma empresa escreva primeiro, e a pessoa não nos escreveu
not-allowed-opted-out = a pessoa pediu para não ser contactada por { $network }
not-allowed-response-window-closed = a janela de 24 horas de { $network } fechou depois de esta mensagem ser escrita, por isso não foi enviada; agora só cabe uma resposta de agente humano (etiqueta HUMAN_AGENT): escreva-a de novo
not-allowed-template-only-now = a janela de 24 horas de { $network } fechou depois de esta mensagem ser escrita, por isso não foi enviada; agora só cabe um modelo aprovado
not-allowed-no-templates = { $network } não aceita modelos: escreva o texto

## Roles

role-ops = Operações
role-gate = Agente de porta
role-advisor = Assessor de clientes
role-admin = Administrador
role-analyst = Analista

## Task states

task-state-open = Aberta
task-state-claimed = Atribuída
task-state-done = Feita
task-state-expired = Expirada
task-state-cancelled = Cancelada

## Flight statuses

flight-status-scheduled = Programado
flight-status-check-in = Check-in aberto
flight-status-boarding = Em embarque
flight-status-gate-closed = Porta fechada
flight-status-departed = Partiu
flight-status-delayed = Atrasado
flight-status-arrived = Aterrou
flight-status-cancelled = Cancelado
flight-status-diverted = Desviado

## Channels

channel-gate = Na porta
channel-cabin = Na cabine
channel-social = Redes sociais

## Complaint case categories as social care files them; a category not named here is shown as written

case-category-baggage = Bagagem
case-category-delay = Atraso
case-category-cancellation = Cancelamento
case-category-service = Serviço
case-category-refund = Reembolso
case-category-seat = Lugar
case-category-accessibility = Acessibilidade
case-category-check-in = Check-in
case-category-raised-in-person = Apresentado pessoalmente
case-category-raised-on-social = Apresentado a um assessor
case-category-other = Outros

## The identity matcher's reasons: $passenger is the manifest's value, $person the registry's

reason-frequent-flyer-agrees = coincide o número de passageiro frequente { $carrier } { $number }
reason-frequent-flyer-conflict = números de passageiro frequente { $carrier } diferentes (passageiro { $passenger }, pessoa { $person })
reason-email-agrees = mesmo correio eletrónico da reserva ({ $email })
reason-phone-agrees = mesmo telefone ({ $phone })
reason-phone-agrees-last-nine = mesmo telefone pelos últimos nove algarismos ({ $phone }; um dos lados não tem indicativo do país)
reason-date-of-birth-agrees = coincide a data de nascimento { $date }
reason-date-of-birth-conflict = datas de nascimento diferentes (passageiro { $passenger }, pessoa { $person }): outra pessoa
reason-surname-exact = coincide o apelido { $passenger }
reason-surname-one-of-compound = coincide um dos apelidos ({ $passenger } na lista, { $person } no registo)
reason-surname-truncated = o apelido coincide até onde vai o { $passenger } cortado da lista ({ $person })
reason-surname-last-of-compound = o apelido da pessoa, { $person }, termina o apelido composto { $passenger } da lista (um último apelido português, ou o de um familiar)
reason-surname-similar = o apelido é parecido mas não é o mesmo ({ $passenger } face a { $person })
reason-surname-differs = o apelido é outro ({ $passenger } face a { $person })
reason-given-exact = coincide o nome próprio { $passenger }
reason-given-first-of-several = os nomes próprios coincidem no primeiro ({ $passenger } na lista, { $person } no registo)
reason-given-truncated = o nome próprio coincide até onde vai o { $passenger } cortado da lista ({ $person })
reason-given-first-only = a lista só mostra o primeiro dos nomes próprios da pessoa ({ $passenger } face a { $person }); verifique
reason-given-nickname = um nome é diminutivo do outro ({ $passenger } face a { $person })
reason-given-initial = só há uma inicial para comparar ({ $passenger } face a { $person })
reason-given-similar = o nome próprio é parecido mas não é o mesmo ({ $passenger } face a { $person })
reason-given-missing = a lista não traz nome próprio para comparar com { $person }
reason-given-differs = o nome próprio é outro ({ $passenger } face a { $person })
reason-family-member = mesmo { $contact ->
        [email] correio eletrónico da reserva
       *[phone] telefone da reserva
    } mas outro nome próprio ({ $passenger } face a { $person }): provavelmente um familiar
reason-travel-companion = mesmo { $contact ->
        [email] correio eletrónico da reserva
       *[phone] telefone da reserva
    } mas não coincidem nem o apelido nem o nome próprio: provavelmente um acompanhante
reason-possible-married-name = o contacto e o nome próprio coincidem com outro apelido ({ $passenger } face a { $person }): talvez um apelido de casada ou de nascimento; verifique
reason-frequent-flyer-name-mismatch = coincide o número de passageiro frequente mas não o nome: talvez um número emprestado a um acompanhante; verifique
reason-child-shares-name = o passageiro viaja como { $class ->
        [infant] bebé
       *[child] criança
    } com o mesmo nome: talvez um filho da pessoa; verifique
reason-name-too-common = cerca de { $count } pessoas têm este nome, por isso partilhar a data de nascimento não é prova; verifique
reason-rare-name-only = só coincide o nome, mas é raro (esperam-se cerca de { $count } pessoas com ele); verifique
reason-conflicting-evidence = há provas fortes nos dois sentidos; verifique
reason-several-candidates = { $count } pessoas do registo correspondem a este passageiro; escolha
reason-several-passengers = { $count } passageiros deste voo correspondem à mesma pessoa; escolha
reason-staff-confirmed = alguém do pessoal já confirmou esta ligação
reason-staff-rejected = alguém do pessoal já rejeitou esta ligação
reason-staff-linked-another = alguém do pessoal ligou este passageiro a outra pessoa

## Tabelas e gráficos dos relatórios

report-word-stage = etapa
report-word-count = número
report-word-step = passo
report-word-median = mediana
report-word-bucket = intervalo
report-word-measure = medida
report-word-value = valor
report-word-station = escala
report-word-desk = mesa
report-word-hour = hora
report-word-met = cumpridos
report-word-missed = falhados
report-word-escalated = escalados
report-word-boarded-linked-to-a-person = embarcados, ligados a uma pessoa
report-word-gate-tasks = tarefas de porta
report-word-cabin-tasks = tarefas de cabine
report-word-social-tasks = tarefas nas redes
report-word-reached = contactados
report-word-not-found = não encontrados
report-word-refused = recusados
report-word-expired = expirados
report-word-cancelled = cancelados
report-word-pending = pendentes
report-word-new-issue-raised = novo problema apresentado
report-word-linked-by-the-matcher = ligados pelo identificador
report-word-confirmed-in-review = confirmados na revisão
report-word-rejected = rejeitados
report-word-waiting-for-review = à espera de revisão
report-word-review-queue-median-age-minutes = fila de revisão, antiguidade mediana (minutos)
report-word-review-queue-oldest-minutes = fila de revisão, a mais antiga (minutos)
report-word-gate-scan-to-task = porta: da leitura à tarefa
report-word-gate-task-to-i-m-going = porta: da tarefa a «Vou eu»
report-word-gate-task-to-outcome = porta: da tarefa ao resultado
report-word-social-task-to-claim = redes: da tarefa a assumi-la
report-word-social-claim-to-message-sent = redes: de assumi-la à mensagem enviada
report-word-social-sent-to-delivered = redes: de enviada a entregue
report-word-social-sent-to-read = redes: de enviada a lida
report-word-social-sent-to-first-reply = redes: de enviada à primeira resposta
report-word-social-task-to-message-sent = redes: da tarefa à mensagem enviada
report-word-social-task-to-outcome = redes: da tarefa ao resultado
report-word-boarded = embarcados
report-word-gate = porta
report-word-cabin = cabine
report-word-social = redes
report-word-new-issue = novo problema
