-- Comparable national-scale dataset for bench_reports (params: n pairings, per people per rotation, year).
-- Runs inside a transaction that the bench rolls back; a doubled percent sign is a literal one (psycopg2).
INSERT INTO pairings_province (code, name) VALUES ('99', '基准省');
INSERT INTO pairings_city (province_id, code, name)
SELECT (SELECT id FROM pairings_province WHERE code = '99'), '99' || lpad(i::text, 4, '0'), '基准市' || i
  FROM generate_series(1, 20) i;
INSERT INTO pairings_county (city_id, code, name, population, government_name)
SELECT c.id, '99C' || lpad(i::text, 6, '0'), '基准县' || i, 80000 + i, ''
  FROM generate_series(1, %(n)s) i JOIN pairings_city c ON c.code = '99' || lpad((1 + i %% 20)::text, 4, '0');
INSERT INTO pairings_hospital (code, name, role, kind, grade, origin, origin_region, province_id, city_id,
                               county_id, is_residency_base, is_county_hospital, created_at, updated_at)
SELECT 'BENCHR' || lpad(i::text, 6, '0'), '基准县人民医院' || i, 'recipient',
       CASE WHEN i %% 5 = 0 THEN 'tcm' ELSE 'general' END, 'ungraded', 'in_province', '', c.province_id,
       co.city_id, co.id, false, true, now(), now()
  FROM generate_series(1, %(n)s) i
  JOIN pairings_county co ON co.code = '99C' || lpad(i::text, 6, '0')
  JOIN pairings_city c ON c.id = co.city_id;
INSERT INTO pairings_hospital (code, name, role, kind, grade, origin, origin_region, province_id, city_id,
                               county_id, is_residency_base, is_county_hospital, created_at, updated_at)
SELECT 'BENCHS' || lpad(i::text, 6, '0'), '基准三甲医院' || i, 'supporter', 'general', '3A', 'in_province', '',
       (SELECT id FROM pairings_province WHERE code = '99'), NULL, NULL, i %% 2 = 0, false, now(), now()
  FROM generate_series(0, %(n)s / 3) i;
INSERT INTO pairings_program (code, name, province_id, document, preset, start_date, end_date,
                              agreement_deadline, roster_deadline, params, is_active, created_at, updated_at)
VALUES ('BENCHNAT', '基准项目 2022–2025', (SELECT id FROM pairings_province WHERE code = '99'), '', 'gansu_2022',
        '2022-01-01', '2025-12-31', '2022-04-05', '2022-04-05', '{}', true, now(), now());
INSERT INTO pairings_pairing (program_id, recipient_id, status, service_start, service_end, note, created_at,
                              updated_at)
SELECT (SELECT id FROM pairings_program WHERE code = 'BENCHNAT'), h.id, 'active', '2022-01-01', '2025-12-31', '',
       now(), now()
  FROM pairings_hospital h WHERE h.code LIKE 'BENCHR%%';
INSERT INTO pairings_pairingsupporter (pairing_id, hospital_id, is_lead)
SELECT p.id, s.id, true
  FROM pairings_pairing p JOIN pairings_hospital r ON r.id = p.recipient_id
  JOIN pairings_hospital s ON s.code = 'BENCHS' || lpad((substr(r.code, 7)::int %% (%(n)s / 3 + 1))::text, 6, '0')
 WHERE p.program_id = (SELECT id FROM pairings_program WHERE code = 'BENCHNAT');
INSERT INTO teams_team (pairing_id, year, rotation, name, start_date, end_date, created_at, updated_at)
SELECT p.id, %(year)s, r, '',
       CASE r WHEN 1 THEN make_date(%(year)s, 1, 1) ELSE make_date(%(year)s, 7, 1) END,
       CASE r WHEN 1 THEN make_date(%(year)s, 6, 30) ELSE make_date(%(year)s, 12, 31) END, now(), now()
  FROM pairings_pairing p CROSS JOIN generate_series(1, 2) r
 WHERE p.program_id = (SELECT id FROM pairings_program WHERE code = 'BENCHNAT');
INSERT INTO teams_staff (employer_id, name, gender, national_id, licence_no, phone, title, specialty, department,
                         clinical_since, management_since, created_at, updated_at)
SELECT ps.hospital_id, '基准' || t.id || '-' || k, 'M', '99' || lpad(t.id::text, 10, '0') || lpad(k::text, 2, '0'),
       NULL, '139' || lpad((t.id * 10 + k)::text, 8, '0'), 2 + (k %% 2), '内科', '内科', '2010-01-01',
       '2015-01-01', now(), now()
  FROM teams_team t JOIN pairings_pairing p ON p.id = t.pairing_id
  JOIN pairings_pairingsupporter ps ON ps.pairing_id = p.id CROSS JOIN generate_series(1, %(per)s) k
 WHERE p.program_id = (SELECT id FROM pairings_program WHERE code = 'BENCHNAT');
INSERT INTO teams_deployment (team_id, staff_id, supporter_id, roster_id, role, post, planned_start, planned_end,
                              actual_start, actual_end, created_at, updated_at)
SELECT t.id, s.id, s.employer_id, NULL, CASE k WHEN 1 THEN 'leader' ELSE 'member' END,
       CASE k WHEN 1 THEN '副院长' ELSE '医师' END, t.start_date, t.end_date, NULL, NULL, now(), now()
  FROM teams_team t JOIN pairings_pairing p ON p.id = t.pairing_id CROSS JOIN generate_series(1, %(per)s) k
  JOIN teams_staff s ON s.national_id = '99' || lpad(t.id::text, 10, '0') || lpad(k::text, 2, '0')
 WHERE p.program_id = (SELECT id FROM pairings_program WHERE code = 'BENCHNAT');
CREATE TEMP TABLE bench_dep ON COMMIT DROP AS
SELECT d.id, d.planned_start, d.planned_end, t.pairing_id
  FROM teams_deployment d JOIN teams_team t ON t.id = d.team_id JOIN pairings_pairing p ON p.id = t.pairing_id
 WHERE p.program_id = (SELECT id FROM pairings_program WHERE code = 'BENCHNAT');
INSERT INTO teams_attendancerecord (deployment_id, date, check_in, check_out, status, source, approval_ref, note,
                                    created_at, updated_at)
SELECT d.id, day::date, NULL, NULL,
       CASE (d.id + extract(doy FROM day)::int) %% 20 WHEN 0 THEN 'absent' WHEN 1 THEN 'leave' WHEN 2 THEN 'late'
            ELSE 'present' END, 'dingtalk', '', '', now(), now()
  FROM bench_dep d CROSS JOIN generate_series(d.planned_start, d.planned_end, interval '1 day') day
 WHERE extract(isodow FROM day) < 6;
INSERT INTO assessments_monthlyassessment (deployment_id, month, score, items, passed, subsidy_cny, deduction_cny,
                                          comment, assessed_by_id, created_at, updated_at)
SELECT d.id, m::date, 70 + (d.id + extract(month FROM m)::int) %% 30, '{}', true, 0, 0, '', NULL, now(), now()
  FROM bench_dep d CROSS JOIN generate_series(d.planned_start, d.planned_end, interval '1 month') m;
INSERT INTO teams_monthlyactivity (deployment_id, month, outpatient_visits, surgeries, lectures, teaching_rounds,
                                   case_discussions, remote_consultations, created_at, updated_at)
SELECT d.id, m::date, 80, 6, 2, 3, 1, 1, now(), now()
  FROM bench_dep d CROSS JOIN generate_series(d.planned_start, d.planned_end, interval '1 month') m;
INSERT INTO training_traineestint (pairing_id, host_id, trainee_name, trainee_national_id, department, specialty,
                                   kind, start_date, end_date, is_free, completed, created_at, updated_at)
SELECT ps.pairing_id, ps.hospital_id, '学员' || ps.pairing_id || '-' || k, '', '内科', '心内科', 'further_study',
       make_date(%(year)s, 3, 1), make_date(%(year)s, 8, 31 - (k %% 2)), true, false, now(), now()
  FROM pairings_pairingsupporter ps JOIN pairings_pairing p ON p.id = ps.pairing_id
  CROSS JOIN generate_series(1, 3) k
 WHERE p.program_id = (SELECT id FROM pairings_program WHERE code = 'BENCHNAT');
INSERT INTO assessments_finding (rule_code, severity, program_id, pairing_id, subject_type, subject_id,
                                 period_start, period_end, message, evidence, fingerprint, status, first_seen,
                                 last_seen, waive_reason, created_at, updated_at)
SELECT 'TEAM_MIN_SIZE', CASE WHEN p.id %% 7 = 0 THEN 'critical' ELSE 'major' END, p.program_id, p.id, 'pairing',
       p.id, make_date(%(year)s, 3, 1), make_date(%(year)s, 3, 10), '在岗人数不足', '{}', 'bench-' || p.id, 'open',
       now(), now(), '', now(), now()
  FROM pairings_pairing p
 WHERE p.program_id = (SELECT id FROM pairings_program WHERE code = 'BENCHNAT') AND p.id %% 3 = 0;
-- Fresh rows have no statistics yet; a real database has them (autovacuum), so give the planner the same.
ANALYZE pairings_city; ANALYZE pairings_county; ANALYZE pairings_hospital; ANALYZE pairings_program;
ANALYZE pairings_pairing; ANALYZE pairings_pairingsupporter; ANALYZE teams_team; ANALYZE teams_staff;
ANALYZE teams_deployment; ANALYZE teams_attendancerecord; ANALYZE assessments_monthlyassessment;
ANALYZE teams_monthlyactivity; ANALYZE training_traineestint; ANALYZE assessments_finding;
