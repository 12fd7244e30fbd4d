--
-- PostgreSQL database dump
--

-- Dumped from database version 16.2
-- Dumped by pg_dump version 16.2

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: alert_deliveries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alert_deliveries (
    id integer NOT NULL,
    alert_id integer NOT NULL,
    notifier character varying(40) NOT NULL,
    ok boolean NOT NULL,
    error text NOT NULL,
    attempts integer NOT NULL,
    at timestamp without time zone NOT NULL
);


--
-- Name: alert_deliveries_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.alert_deliveries_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: alert_deliveries_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.alert_deliveries_id_seq OWNED BY public.alert_deliveries.id;


--
-- Name: alert_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alert_events (
    id integer NOT NULL,
    alert_id integer NOT NULL,
    action character varying(20) NOT NULL,
    actor character varying(120) NOT NULL,
    note text NOT NULL,
    at timestamp without time zone NOT NULL
);


--
-- Name: alert_events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.alert_events_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: alert_events_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.alert_events_id_seq OWNED BY public.alert_events.id;


--
-- Name: alerts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alerts (
    id integer NOT NULL,
    kind character varying(40) NOT NULL,
    severity character varying(10) NOT NULL,
    message text NOT NULL,
    metric character varying(80),
    value double precision,
    threshold double precision,
    source_kind character varying(40),
    source_id integer,
    source_label text NOT NULL,
    status character varying(20) NOT NULL,
    dedupe_key character varying(300),
    created_at timestamp without time zone NOT NULL,
    acknowledged_at timestamp without time zone,
    resolved_at timestamp without time zone
);


--
-- Name: alerts_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.alerts_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: alerts_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.alerts_id_seq OWNED BY public.alerts.id;


--
-- Name: artifacts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.artifacts (
    id integer NOT NULL,
    kind character varying(40) NOT NULL,
    name character varying(200) NOT NULL,
    job_id integer,
    dataset_id integer,
    content json NOT NULL,
    content_hash character varying(64) NOT NULL,
    created_at timestamp without time zone NOT NULL
);


--
-- Name: artifacts_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.artifacts_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: artifacts_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.artifacts_id_seq OWNED BY public.artifacts.id;


--
-- Name: card_signoff_heads; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.card_signoff_heads (
    card_id integer NOT NULL,
    count integer NOT NULL,
    head_hash character varying(64) NOT NULL,
    last_id integer NOT NULL,
    key_id character varying(12) NOT NULL,
    mac character varying(64) NOT NULL,
    updated_at timestamp without time zone NOT NULL
);


--
-- Name: card_signoffs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.card_signoffs (
    id integer NOT NULL,
    card_id integer NOT NULL,
    version_id integer NOT NULL,
    version integer NOT NULL,
    reviewer character varying(200) NOT NULL,
    auth_method character varying(20) NOT NULL,
    decision character varying(10) NOT NULL,
    comment text NOT NULL,
    card_hash character varying(64) NOT NULL,
    evidence json NOT NULL,
    signed_at timestamp without time zone NOT NULL,
    prev_hash character varying(64) NOT NULL,
    record_hash character varying(64) NOT NULL,
    exceptions json
);


--
-- Name: card_signoffs_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.card_signoffs_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: card_signoffs_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.card_signoffs_id_seq OWNED BY public.card_signoffs.id;


--
-- Name: card_versions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.card_versions (
    id integer NOT NULL,
    card_id integer NOT NULL,
    version integer NOT NULL,
    content json NOT NULL,
    content_hash character varying(64) NOT NULL,
    author character varying(120) NOT NULL,
    note text NOT NULL,
    created_at timestamp without time zone NOT NULL
);


--
-- Name: card_versions_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.card_versions_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: card_versions_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.card_versions_id_seq OWNED BY public.card_versions.id;


--
-- Name: cards; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.cards (
    id integer NOT NULL,
    kind character varying(10) NOT NULL,
    title character varying(300) NOT NULL,
    created_by character varying(120) NOT NULL,
    created_at timestamp without time zone NOT NULL
);


--
-- Name: cards_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.cards_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: cards_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.cards_id_seq OWNED BY public.cards.id;


--
-- Name: datasets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.datasets (
    id integer NOT NULL,
    name character varying(200) NOT NULL,
    source character varying(40) NOT NULL,
    location text NOT NULL,
    format character varying(20) NOT NULL,
    n_rows integer NOT NULL,
    columns json NOT NULL,
    roles json NOT NULL,
    synthetic boolean NOT NULL,
    expect_no_pii boolean NOT NULL,
    description text NOT NULL,
    created_at timestamp without time zone NOT NULL
);


--
-- Name: datasets_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.datasets_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: datasets_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.datasets_id_seq OWNED BY public.datasets.id;


--
-- Name: jobs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.jobs (
    id integer NOT NULL,
    kind character varying(40) NOT NULL,
    name character varying(200) NOT NULL,
    status character varying(20) NOT NULL,
    progress double precision NOT NULL,
    message text NOT NULL,
    error text,
    params json NOT NULL,
    result json,
    runner character varying(20) NOT NULL,
    owner_pid integer,
    worker_pid integer,
    exit_code integer,
    log_path text,
    cancel_requested boolean NOT NULL,
    created_at timestamp without time zone NOT NULL,
    started_at timestamp without time zone,
    finished_at timestamp without time zone
);


--
-- Name: jobs_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.jobs_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: jobs_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.jobs_id_seq OWNED BY public.jobs.id;


--
-- Name: meta; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.meta (
    key character varying(64) NOT NULL,
    value text NOT NULL
);


--
-- Name: metrics; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.metrics (
    id integer NOT NULL,
    run_id integer NOT NULL,
    step integer NOT NULL,
    name character varying(80) NOT NULL,
    value double precision NOT NULL,
    "time" timestamp without time zone NOT NULL
);


--
-- Name: metrics_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.metrics_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: metrics_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.metrics_id_seq OWNED BY public.metrics.id;


--
-- Name: reviewer_sign_ins; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reviewer_sign_ins (
    id integer NOT NULL,
    name character varying(64) NOT NULL,
    ok boolean NOT NULL,
    at timestamp without time zone NOT NULL
);


--
-- Name: reviewer_sign_ins_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.reviewer_sign_ins_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: reviewer_sign_ins_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.reviewer_sign_ins_id_seq OWNED BY public.reviewer_sign_ins.id;


--
-- Name: alert_deliveries id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alert_deliveries ALTER COLUMN id SET DEFAULT nextval('public.alert_deliveries_id_seq'::regclass);


--
-- Name: alert_events id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alert_events ALTER COLUMN id SET DEFAULT nextval('public.alert_events_id_seq'::regclass);


--
-- Name: alerts id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alerts ALTER COLUMN id SET DEFAULT nextval('public.alerts_id_seq'::regclass);


--
-- Name: artifacts id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.artifacts ALTER COLUMN id SET DEFAULT nextval('public.artifacts_id_seq'::regclass);


--
-- Name: card_signoffs id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.card_signoffs ALTER COLUMN id SET DEFAULT nextval('public.card_signoffs_id_seq'::regclass);


--
-- Name: card_versions id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.card_versions ALTER COLUMN id SET DEFAULT nextval('public.card_versions_id_seq'::regclass);


--
-- Name: cards id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cards ALTER COLUMN id SET DEFAULT nextval('public.cards_id_seq'::regclass);


--
-- Name: datasets id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.datasets ALTER COLUMN id SET DEFAULT nextval('public.datasets_id_seq'::regclass);


--
-- Name: jobs id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.jobs ALTER COLUMN id SET DEFAULT nextval('public.jobs_id_seq'::regclass);


--
-- Name: metrics id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.metrics ALTER COLUMN id SET DEFAULT nextval('public.metrics_id_seq'::regclass);


--
-- Name: reviewer_sign_ins id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reviewer_sign_ins ALTER COLUMN id SET DEFAULT nextval('public.reviewer_sign_ins_id_seq'::regclass);


--
-- Data for Name: alert_deliveries; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.alert_deliveries VALUES (1, 1, 'log', true, '', 1, '2026-11-27 15:40:32.758979');
INSERT INTO public.alert_deliveries VALUES (2, 2, 'log', true, '', 1, '2026-11-27 15:40:32.781706');
INSERT INTO public.alert_deliveries VALUES (3, 3, 'log', true, '', 1, '2026-11-27 15:40:32.793809');


--
-- Data for Name: alert_events; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.alert_events VALUES (1, 1, 'raised', 'steward', '', '2026-11-27 15:40:32.722147');
INSERT INTO public.alert_events VALUES (2, 2, 'raised', 'steward', '', '2026-11-27 15:40:32.73748');
INSERT INTO public.alert_events VALUES (3, 3, 'raised', 'steward', '', '2026-11-27 15:40:32.747094');
INSERT INTO public.alert_events VALUES (4, 1, 'acknowledged', 'root', 'seen in the legacy fixture', '2026-11-27 15:40:50.760922');


--
-- Data for Name: alerts; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.alerts VALUES (2, 'audit', 'high', 'Rows with PII in a dataset marked “no personal data”: 172, above the threshold 0 (Audit #1 of Demo: synthetic user comments).', 'dataset_pii_rows', 172, 0, 'audit', 1, 'Audit #1 of Demo: synthetic user comments', 'open', 'dataset_pii_rows|dataset:1|172', '2026-11-27 15:40:32.733418', NULL, NULL);
INSERT INTO public.alerts VALUES (3, 'audit', 'high', 'Groups under-represented (non-binary (gender)): 1 groups, above the threshold 0 groups (Audit #1 of Demo: synthetic user comments).', 'dataset_underrepresented_groups', 1, 0, 'audit', 1, 'Audit #1 of Demo: synthetic user comments', 'open', 'dataset_underrepresented_groups|dataset:1|1', '2026-11-27 15:40:32.74641', NULL, NULL);
INSERT INTO public.alerts VALUES (1, 'audit', 'medium', 'Share of rows scored toxic: 0.146, above the threshold 0.1 (Audit #1 of Demo: synthetic user comments).', 'dataset_toxic_share', 0.1465, 0.1, 'audit', 1, 'Audit #1 of Demo: synthetic user comments', 'acknowledged', 'dataset_toxic_share|dataset:1|0.1465', '2026-11-27 15:40:32.719107', '2026-11-27 15:40:50.760922', NULL);


--
-- Data for Name: artifacts; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.artifacts VALUES (1, 'audit', 'Audit of Demo: synthetic user comments', NULL, 1, '{"schema_version": 1, "dataset": {"name": "Demo: synthetic user comments", "id": 1, "location": "/tmp/pglegacy/pg/demo/comments.csv", "format": "csv", "label_names": {"0": "not toxic", "1": "toxic"}}, "columns": {"text": "text", "label": "label", "sensitive": ["gender", "ethnicity"], "split": null}, "config": {"text_col": "text", "label_col": "label", "sensitive": ["gender", "ethnicity"], "split_col": null, "reference": {}, "checks": ["representation", "label_skew", "pii", "toxicity", "duplicates", "association", "text_stats"], "min_ratio": 0.5, "min_count": 30, "max_groups": 20, "positive_label": null, "label_gap_threshold": 0.1, "toxicity_threshold": 0.5, "toxicity_max_rows": null, "toxicity_variant": "original", "toxicity_checkpoint": null, "toxicity_base_model_dir": null, "near_dup_threshold": 0.8, "num_perm": 64, "association_max_rows": 200000, "association_min_count": 5, "chunk_rows": 50000, "examples_per_type": 5}, "checks_run": ["representation", "label_skew", "pii", "toxicity", "duplicates", "association", "text_stats"], "rows": 4000, "malformed_rows": 0, "malformed_lines": [], "representation": {"gender": {"female": {"count": 1971, "share": 0.49275, "reference_share": 0.3333333333333333, "ratio": 1.47825, "flagged": false, "reason": null}, "male": {"count": 1946, "share": 0.4865, "reference_share": 0.3333333333333333, "ratio": 1.4595, "flagged": false, "reason": null}, "non-binary": {"count": 83, "share": 0.02075, "reference_share": 0.3333333333333333, "ratio": 0.06225000000000001, "flagged": true, "reason": "share is 0.06\u00d7 its reference (below 0.5\u00d7)"}}, "ethnicity": {"white": {"count": 1425, "share": 0.35625, "reference_share": 0.2, "ratio": 1.78125, "flagged": false, "reason": null}, "hispanic": {"count": 720, "share": 0.18, "reference_share": 0.2, "ratio": 0.8999999999999999, "flagged": false, "reason": null}, "black": {"count": 682, "share": 0.1705, "reference_share": 0.2, "ratio": 0.8525, "flagged": false, "reason": null}, "asian": {"count": 643, "share": 0.16075, "reference_share": 0.2, "ratio": 0.80375, "flagged": false, "reason": null}, "middle_eastern": {"count": 530, "share": 0.1325, "reference_share": 0.2, "ratio": 0.6625, "flagged": false, "reason": null}}}, "representation_summary": {"meta": {"gender": {"distinct_groups": 3, "summarised": false, "approximate": false, "reference": "uniform", "missing": 0}, "ethnicity": {"distinct_groups": 5, "summarised": false, "approximate": false, "reference": "uniform", "missing": 0}}, "flagged": [{"column": "gender", "group": "non-binary", "count": 83, "share": 0.02075, "reference_share": 0.3333333333333333, "ratio": 0.06225000000000001, "reason": "share is 0.06\u00d7 its reference (below 0.5\u00d7)"}], "intersections": {"gender \u00d7 ethnicity": {"columns": ["gender", "ethnicity"], "groups": {"female | white": {"count": 722, "share": 0.1805, "expected_share": 0.1755421875, "ratio": 1.028242854726873, "flagged": false}, "male | white": {"count": 673, "share": 0.16825, "expected_share": 0.173315625, "ratio": 0.9707722543769496, "flagged": false}, "female | hispanic": {"count": 361, "share": 0.09025, "expected_share": 0.088695, "ratio": 1.0175319916568013, "flagged": false}, "male | hispanic": {"count": 346, "share": 0.0865, "expected_share": 0.08757, "ratio": 0.9877812036085417, "flagged": false}, "female | black": {"count": 340, "share": 0.085, "expected_share": 0.08401387500000002, "ratio": 1.0117376445259785, "flagged": false}, "male | asian": {"count": 339, "share": 0.08475, "expected_share": 0.078204875, "ratio": 1.0836920332651898, "flagged": false}, "male | black": {"count": 328, "share": 0.082, "expected_share": 0.08294825, "ratio": 0.9885681735298816, "flagged": false}, "female | asian": {"count": 295, "share": 0.07375, "expected_share": 0.07920956250000001, "ratio": 0.9310744520271778, "flagged": false}, "male | middle_eastern": {"count": 260, "share": 0.065, "expected_share": 0.06446125, "ratio": 1.008357734297737, "flagged": false}, "female | middle_eastern": {"count": 253, "share": 0.06325, "expected_share": 0.06528937500000001, "ratio": 0.9687640600021059, "flagged": false}, "non-binary | white": {"count": 30, "share": 0.0075, "expected_share": 0.0073921875, "ratio": 1.014584654407102, "flagged": false}, "non-binary | middle_eastern": {"count": 17, "share": 0.00425, "expected_share": 0.002749375, "ratio": 1.5458058649693112, "flagged": true}, "non-binary | black": {"count": 14, "share": 0.0035, "expected_share": 0.0035378750000000007, "ratio": 0.9892944210861038, "flagged": true}, "non-binary | hispanic": {"count": 13, "share": 0.00325, "expected_share": 0.003735, "ratio": 0.8701472556894243, "flagged": true}, "non-binary | asian": {"count": 9, "share": 0.00225, "expected_share": 0.0033355625000000004, "ratio": 0.6745488954261836, "flagged": true}}, "cells": 15, "small_cells": 4, "shown": "all"}}, "min_ratio": 0.5, "min_count": 30}, "label_rate": {"gender": {"female": 0.23490613901572804, "male": 0.22045220966084275, "non-binary": 0.25301204819277107}, "ethnicity": {"white": 0.20842105263157895, "hispanic": 0.20277777777777778, "black": 0.3152492668621701, "asian": 0.2301710730948678, "middle_eastern": 0.2018867924528302}}, "label_skew": {"positive_label": "1", "label_counts": {"1": 913, "0": 3087}, "overall_rate": 0.22825, "missing_labels": 0, "columns": {"gender": {"groups": {"female": {"n": 1971, "positives": 463, "rate": 0.23490613901572804, "ci_low": 0.21671706175839114, "ci_high": 0.25412653669838353, "label_counts": {"1": 463, "0": 1508}}, "male": {"n": 1946, "positives": 429, "rate": 0.22045220966084275, "ci_low": 0.20259432651896642, "ci_high": 0.23941158886236402, "label_counts": {"1": 429, "0": 1517}}, "non-binary": {"n": 83, "positives": 21, "rate": 0.25301204819277107, "ci_low": 0.1718523107318793, "ci_high": 0.35602296303519215, "label_counts": {"1": 21, "0": 62}}}, "chi2": 1.4563752432857882, "p_value": 0.482783183459218, "dof": 2, "dp_difference": 0.032559838531928315, "dp_ratio": 0.8713111143738071, "highest_group": "non-binary", "lowest_group": "male", "flagged": false}, "ethnicity": {"groups": {"white": {"n": 1425, "positives": 297, "rate": 0.20842105263157895, "ci_low": 0.18812962496118493, "ci_high": 0.23028030790104667, "label_counts": {"1": 297, "0": 1128}}, "hispanic": {"n": 720, "positives": 146, "rate": 0.20277777777777778, "ci_low": 0.1750222436610032, "ci_high": 0.23368805505347198, "label_counts": {"1": 146, "0": 574}}, "black": {"n": 682, "positives": 215, "rate": 0.3152492668621701, "ci_low": 0.28149668962125435, "ci_high": 0.35107145460985184, "label_counts": {"1": 215, "0": 467}}, "asian": {"n": 643, "positives": 148, "rate": 0.2301710730948678, "ci_low": 0.19929466276895424, "ci_high": 0.26425240083434043, "label_counts": {"1": 148, "0": 495}}, "middle_eastern": {"n": 530, "positives": 107, "rate": 0.2018867924528302, "ci_low": 0.16991360836613714, "ci_high": 0.23815035005664778, "label_counts": {"1": 107, "0": 423}}}, "chi2": 37.241464761035246, "p_value": 1.6063267524465574e-07, "dof": 4, "dp_difference": 0.11336247440933989, "dp_ratio": 0.6404036858271172, "highest_group": "black", "lowest_group": "middle_eastern", "flagged": true}}, "gap_threshold": 0.1, "min_count": 30, "mode": "categorical"}, "pii": {"detector": "Steward offline PII rules: patterns with checksums (Luhn for cards, mod-97 for IBANs, address parsing for IPs); person names only next to cues such as ''my name is'' or ''Dr.''", "entities_checked": ["EMAIL", "API_KEY", "IBAN", "CREDIT_CARD", "US_SSN", "IP_ADDRESS", "STREET_ADDRESS", "PHONE", "PERSON"], "counts_by_type": {"EMAIL": 24, "API_KEY": 18, "IBAN": 31, "CREDIT_CARD": 19, "US_SSN": 17, "IP_ADDRESS": 21, "STREET_ADDRESS": 14, "PHONE": 28, "PERSON": 14}, "rows_by_type": {"EMAIL": 24, "API_KEY": 18, "IBAN": 31, "CREDIT_CARD": 19, "US_SSN": 17, "IP_ADDRESS": 21, "STREET_ADDRESS": 14, "PHONE": 28, "PERSON": 14}, "rows_with_pii": 172, "share_rows_with_pii": 0.043, "examples": {"CREDIT_CARD": [{"row": 3, "text": "\u2026look. The first version was better in my opinion. Week 295 of following this. Card number <CREDIT_CARD> was charged twice.", "types": ["CREDIT_CARD"]}, {"row": 27, "text": "\u2026 the park project? The benches confused me at first. Saw 170 replies already. Card number <CREDIT_CARD> was charged twice.", "types": ["CREDIT_CARD"]}, {"row": 114, "text": "\u2026ience with the match. Not what I expected, honestly. Page 222 says otherwise. Card number <CREDIT_CARD> was charged twice.", "types": ["CREDIT_CARD"]}, {"row": 200, "text": "\u2026 sauce was well done. Would love a follow-up on this. Page 35 says otherwise. Card number <CREDIT_CARD> was charged twice.", "types": ["CREDIT_CARD"]}, {"row": 437, "text": "\u2026 a look. The first version was better in my opinion. Page 362 says otherwise. Card number <CREDIT_CARD> was charged twice.", "types": ["CREDIT_CARD"]}], "IP_ADDRESS": [{"row": 59, "text": "\u2026t the migration notes? I learned something new today. Checked it on day 199. My server at <IP_ADDRESS> keeps timing out.", "types": ["IP_ADDRESS"]}, {"row": 390, "text": "\u2026rs here is trash and so are you, loser. The mods might want to look at this. My server at <IP_ADDRESS> keeps timing out.", "types": ["IP_ADDRESS"]}, {"row": 697, "text": "\u2026nged last week. Still better than the alternatives. Saw 104 replies already. My server at <IP_ADDRESS> keeps timing out.", "types": ["IP_ADDRESS"]}, {"row": 837, "text": "\u2026 me. The first version was better in my opinion. Comment #362 said the same. My server at <IP_ADDRESS> keeps timing out.", "types": ["IP_ADDRESS"]}, {"row": 1129, "text": "\u2026report, get lost. The mods might want to look at this. My 267 friends agree. My server at <IP_ADDRESS> keeps timing out.", "types": ["IP_ADDRESS"]}], "API_KEY": [{"row": 95, "text": "\u2026ect. My sister said the same thing over dinner. Week 68 of following this. Here is my key <API_KEY> if anyone wants to test.", "types": ["API_KEY"]}, {"row": 116, "text": "\u2026 garbage. The video version explains it better. Week 17 of following this. Here is my key <API_KEY> if anyone wants to test.", "types": ["API_KEY"]}, {"row": 575, "text": "\u2026ast, but I respect the effort behind the new season. My 219 friends agree. Here is my key <API_KEY> if anyone wants to test.", "types": ["API_KEY"]}, {"row": 900, "text": "\u2026nfused me at first. I learned something new today. That was around 252 pm. Here is my key <API_KEY> if anyone wants to test.", "types": ["API_KEY"]}, {"row": 1029, "text": "\u2026usly wrong, you fool. Someone should pin this. Comment #124 said the same. Here is my key <API_KEY> if anyone wants to test.", "types": ["API_KEY"]}], "EMAIL": [{"row": 99, "text": "\u2026''m new to this article. I learned something new today. That was around 89 pm. Email me at <EMAIL> if you want the file.", "types": ["EMAIL"]}, {"row": 104, "text": "\u2026he defence. I had the same experience with the match. Saw 18 replies already. Email me at <EMAIL> if you want the file.", "types": ["EMAIL"]}, {"row": 262, "text": "\u2026h a look. Posting from my phone, sorry for typos. Week 237 of following this. Email me at <EMAIL> if you want the file.", "types": ["EMAIL"]}, {"row": 379, "text": "\u2026 to the update. The mods might want to look at this. Saw 115 replies already. Email me at <EMAIL> if you want the file.", "types": ["EMAIL"]}, {"row": 439, "text": "\u2026ject looks good to me. Curious what others think. Week 373 of following this. Email me at <EMAIL> if you want the file.", "types": ["EMAIL"]}], "PHONE": [{"row": 143, "text": "\u2026and so are you, loser. Would love a follow-up on this. That was around 220 pm. Call me on <PHONE> after six.", "types": ["PHONE"]}, {"row": 243, "text": "\u2026ipe. Could you add more detail about the oven time? Curious what others think. Call me on <PHONE> after six.", "types": ["PHONE"]}, {"row": 346, "text": "\u2026nce with this article. Bookmarked for the weekend. Week 301 of following this. Call me on <PHONE> after six.", "types": ["PHONE"]}, {"row": 352, "text": "\u2026recipe. The first version was better in my opinion. I spent 295 minutes on it. Call me on <PHONE> after six.", "types": ["PHONE"]}, {"row": 585, "text": "\u2026th a look. My sister said the same thing over dinner. Rated it 149 out of 100. Call me on <PHONE> after six.", "types": ["PHONE"]}], "US_SSN": [{"row": 197, "text": "\u2026 is still worth a look. Would love a follow-up on this. That was around 274 pm. My SSN is <US_SSN>, please fix my account.", "types": ["US_SSN"]}, {"row": 240, "text": "\u2026 everyone knows it. Would love a follow-up on this. Week 237 of following this. My SSN is <US_SSN>, please fix my account.", "types": ["US_SSN"]}, {"row": 434, "text": "\u2026rience with the update. Not what I expected, honestly. Rated it 236 out of 100. My SSN is <US_SSN>, please fix my account.", "types": ["US_SSN"]}, {"row": 590, "text": "\u2026 everyone knows it. The video version explains it better. My 299 friends agree. My SSN is <US_SSN>, please fix my account.", "types": ["US_SSN"]}, {"row": 630, "text": "\u2026 crap about the sources. I learned something new today. Page 65 says otherwise. My SSN is <US_SSN>, please fix my account.", "types": ["US_SSN"]}], "STREET_ADDRESS": [{"row": 238, "text": "\u2026 detail about the benches? Bookmarked for the weekend. Saw 113 replies already. I live at <STREET_ADDRESS>, come by. \u2014 <PERSON>", "types": ["PERSON", "STREET_ADDRESS"]}, {"row": 855, "text": "\u2026is article changed last week. Someone should pin this. Rated it 264 out of 100. I live at <STREET_ADDRESS>, come by. \u2014 <PERSON>", "types": ["PERSON", "STREET_ADDRESS"]}, {"row": 1125, "text": "\u2026nd the park project. Our club discussed it last night. Page 174 says otherwise. I live at <STREET_ADDRESS>, come by. \u2014 <PERSON>", "types": ["PERSON", "STREET_ADDRESS"]}, {"row": 1201, "text": "\u2026still worth a look. Still better than the alternatives. Saw 89 replies already. I live at <STREET_ADDRESS>, come by. \u2014 <PERSON>", "types": ["PERSON", "STREET_ADDRESS"]}, {"row": 1658, "text": "\u2026nce with the library change. Curious what others think. Rated it 93 out of 100. I live at <STREET_ADDRESS>, come by. \u2014 <PERSON>", "types": ["PERSON", "STREET_ADDRESS"]}], "PERSON": [{"row": 238, "text": "\u2026ookmarked for the weekend. Saw 113 replies already. I live at <STREET_ADDRESS>, come by. \u2014 <PERSON>", "types": ["PERSON", "STREET_ADDRESS"]}, {"row": 855, "text": "\u2026ek. Someone should pin this. Rated it 264 out of 100. I live at <STREET_ADDRESS>, come by. \u2014 <PERSON>", "types": ["PERSON", "STREET_ADDRESS"]}, {"row": 1125, "text": "\u2026b discussed it last night. Page 174 says otherwise. I live at <STREET_ADDRESS>, come by. \u2014 <PERSON>", "types": ["PERSON", "STREET_ADDRESS"]}, {"row": 1201, "text": "\u2026etter than the alternatives. Saw 89 replies already. I live at <STREET_ADDRESS>, come by. \u2014 <PERSON>", "types": ["PERSON", "STREET_ADDRESS"]}, {"row": 1658, "text": "\u2026. Curious what others think. Rated it 93 out of 100. I live at <STREET_ADDRESS>, come by. \u2014 <PERSON>", "types": ["PERSON", "STREET_ADDRESS"]}], "IBAN": [{"row": 348, "text": "\u2026erves better than you. Someone should pin this. Checked it on day 304. Send the refund to <IBAN> please.", "types": ["IBAN"]}, {"row": 703, "text": "\u2026ason. Posting from my phone, sorry for typos. Rated it 375 out of 100. Send the refund to <IBAN> please.", "types": ["IBAN"]}, {"row": 742, "text": "\u2026me at first. I learned something new today. I spent 277 minutes on it. Send the refund to <IBAN> please.", "types": ["IBAN"]}, {"row": 952, "text": "\u2026eek. No idea why the thread got so heated. Comment #245 said the same. Send the refund to <IBAN> please.", "types": ["IBAN"]}, {"row": 986, "text": "\u2026ith the update. This keeps coming up every year. My 121 friends agree. Send the refund to <IBAN> please.", "types": ["IBAN"]}]}, "by_group": {"gender": {"female": {"rows": 1971, "share": 0.047691527143581935}, "male": {"rows": 1946, "share": 0.03905447070914697}, "non-binary": {"rows": 83, "share": 0.024096385542168676}}, "ethnicity": {"white": {"rows": 1425, "share": 0.03368421052631579}, "hispanic": {"rows": 720, "share": 0.044444444444444446}, "black": {"rows": 682, "share": 0.045454545454545456}, "asian": {"rows": 643, "share": 0.05754276827371695}, "middle_eastern": {"rows": 530, "share": 0.045283018867924525}}}}, "toxicity": {"backend": "offline fallback: alt-profanity-check (profanity model, weak stand-in for toxicity)", "backend_id": "profanity-check", "is_fallback": true, "fallback_reason": "Detoxify not used: Detoxify weights not cached (no /root/.cache/torch/hub/checkpoints/toxic_original-c1212f89.ckpt)", "threshold": 0.5, "scored_rows": 4000, "rows": 4000, "sampled": false, "mean": 0.1578005950263026, "share_above_threshold": 0.1465, "histogram": {"edges": [0.0, 0.05, 0.1, 0.15000000000000002, 0.2, 0.25, 0.30000000000000004, 0.35000000000000003, 0.4, 0.45, 0.5, 0.55, 0.6000000000000001, 0.65, 0.7000000000000001, 0.75, 0.8, 0.8500000000000001, 0.9, 0.9500000000000001, 1.0], "counts": [2889, 283, 59, 37, 27, 24, 19, 23, 24, 29, 28, 37, 25, 31, 30, 19, 27, 53, 130, 206]}, "by_group": {"gender": {"female": {"n": 1971, "mean": 0.15881607413576598, "share_above_threshold": 0.1461187214611872, "histogram": [1408, 140, 42, 23, 14, 6, 8, 11, 18, 13, 13, 20, 13, 13, 16, 7, 13, 29, 64, 100]}, "male": {"n": 1946, "mean": 0.15682689847159584, "share_above_threshold": 0.14645426515930113, "histogram": [1418, 139, 16, 14, 13, 16, 11, 12, 6, 16, 15, 14, 12, 18, 14, 12, 14, 23, 62, 101]}, "non-binary": {"n": 83, "mean": 0.15651510310710776, "share_above_threshold": 0.1566265060240964, "histogram": [63, 4, 1, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 1, 4, 5]}}, "ethnicity": {"white": {"n": 1425, "mean": 0.15990722173266825, "share_above_threshold": 0.14736842105263157, "histogram": [1017, 108, 21, 14, 11, 5, 5, 12, 10, 12, 12, 15, 11, 7, 14, 4, 5, 19, 42, 81]}, "hispanic": {"n": 720, "mean": 0.14749502049108262, "share_above_threshold": 0.14027777777777778, "histogram": [545, 39, 7, 8, 6, 3, 5, 0, 5, 1, 5, 7, 5, 5, 2, 7, 4, 9, 26, 31]}, "black": {"n": 682, "mean": 0.1537819705026917, "share_above_threshold": 0.13929618768328444, "histogram": [496, 49, 9, 6, 7, 7, 4, 2, 2, 5, 3, 3, 1, 7, 5, 4, 8, 4, 27, 33]}, "asian": {"n": 643, "mean": 0.1708727984844878, "share_above_threshold": 0.16174183514774496, "histogram": [445, 50, 11, 6, 2, 4, 3, 6, 5, 7, 6, 6, 8, 8, 4, 4, 7, 7, 23, 31]}, "middle_eastern": {"n": 530, "mean": 0.15544841712116442, "share_above_threshold": 0.14339622641509434, "histogram": [386, 37, 11, 3, 1, 5, 2, 3, 2, 4, 2, 6, 0, 4, 5, 0, 3, 14, 12, 30]}}}, "top_examples": [{"row": 815, "score": 0.9978723272432795, "text": "What a pathetic take on the match. You are stupid and everyone knows it. Comment #391 said the same."}, {"row": 586, "score": 0.9977245767876827, "text": "Only an idiot would like the park project, the playground is garbage. Page 122 says otherwise."}, {"row": 2106, "score": 0.996724385235231, "text": "As a man, update: only an idiot would like the trip report, the hotel is garbage."}, {"row": 1702, "score": 0.9965837723304013, "text": "Quick note: only an idiot would like the update, the release is garbage."}, {"row": 2455, "score": 0.996540681261717, "text": "Hmm, only an idiot would like the update, the release is garbage. Page 309 says otherwise."}, {"row": 1064, "score": 0.9959883839125553, "text": "Shut up about the benches, you clueless moron. Would love a follow-up on this."}, {"row": 1428, "score": 0.9957718473609691, "text": "Well, what a pathetic take on the library change. You are stupid and everyone knows it. Checked it on day 296."}, {"row": 1082, "score": 0.9955961475144088, "text": "Only an idiot would like the new season, the episode is garbage."}], "batch_size": 512, "seconds": 0.1092272360001516, "rows_per_second": 36620.902867069235}, "duplicates": {"method": "exact: 64-bit hash of case-folded, whitespace-collapsed text; near: MinHash (64 permutations, datasketch affine32 scheme) over word bigrams, LSH 5 bands \u00d7 11 rows; candidates kept when the exact Jaccard of their shingle sets \u2265 0.8", "threshold": 0.8, "num_perm": 64, "bands": 5, "rows_per_band": 11, "rows_checked": 4000, "distinct_texts": 3878, "exact_rows": 122, "exact_share": 0.0305, "near_rows": 206, "near_share": 0.0515, "near_pairs": 107, "cluster_count": 218, "near_cluster_count": 101, "cluster_size_histogram": {"2": 209, "3": 9}, "clusters": 101, "top_clusters": [{"size": 3, "distinct_texts": 3, "exact_repeats": 0, "kind": "near", "rows": [4, 696, 1420], "examples": ["Thanks for sharing the park project. Could you add more detail about the benches? The translation felt a bit off. Page 309 says otherwise.", "Thanks for sharing the PARK project. Could you add more detail about the benches? The translation felt a bit off. Page 66 says otherwise. :)", "Thanks for sharing the park project. Could you add more detail about the benches? The translation felt a bit off. Page 66 says otherwise."]}, {"size": 3, "distinct_texts": 2, "exact_repeats": 1, "kind": "near", "rows": [383, 1012, 2573], "examples": ["Update: great point about the cast. I had the same experience with the new season. This keeps coming up every year.", "Update: great point about the cast. I had the same experience with the new season. This keeps coming up every year. Comment #50 said the same."]}, {"size": 3, "distinct_texts": 2, "exact_repeats": 1, "kind": "near", "rows": [683, 1967, 2567], "examples": ["To be fair, not sure I agree about the API, but the library change is still worth a look. I learned something new today. Rated it 316 out of 100.", "To be fair, not sure I agree about the API, but the library change is still worth a look. I learned something new today. Rated it 225 out of 100."]}, {"size": 3, "distinct_texts": 3, "exact_repeats": 0, "kind": "near", "rows": [755, 1752, 3455], "examples": ["I disagree with the defence, but I respect the effort behind the match.", "To be fair, i disagree with the defence, but I respect the effort behind the match.", "Same here. I disagree with the defence, but I respect the effort behind the match."]}, {"size": 3, "distinct_texts": 2, "exact_repeats": 1, "kind": "near", "rows": [858, 2526, 3972], "examples": ["Hmm, thanks for sharing the trip report. Could you add more detail about the train route? I learned something new today.", "Hmm, thanks for sharing the trip report. Could you add more detail about the train route? I learned something new today. Saw 234 replies already."]}, {"size": 3, "distinct_texts": 1, "exact_repeats": 2, "kind": "exact", "rows": [1221, 1855, 3506], "examples": ["Read this twice. Thanks for sharing the trip report. Could you add more detail about the train route? Curious what others think."]}, {"size": 3, "distinct_texts": 2, "exact_repeats": 1, "kind": "near", "rows": [1544, 2052, 2210], "examples": ["I disagree with the install guide, but I respect the effort behind the update. The comments below are worth reading too. Rated it 106 out of 100.", "I disagree with the install guide, but I respect the effort behind the update. The comments below are worth reading too. Rated it 47 out of 100."]}, {"size": 3, "distinct_texts": 3, "exact_repeats": 0, "kind": "near", "rows": [1624, 3118, 3133], "examples": ["I think the cast could be clearer, otherwise the new season looks good to me. My sister said the same thing over dinner. Checked it on day 192.", "I think the cast could be clearer, otherwise the new season looks good to me. My sister said the same thing over dinner. Checked it on day 303.", "Same here. I think the cast could be clearer, otherwise the new season looks good to me. My sister said the same thing over dinner. Checked it on day 142."]}, {"size": 3, "distinct_texts": 3, "exact_repeats": 0, "kind": "near", "rows": [3341, 3637, 3791], "examples": ["Well, i think the install guide could be clearer, otherwise the update looks good to me. The translation felt a bit off. My 80 friends agree!!", "Well, i think the install guide could be clearer, otherwise the update looks good to me. The translation felt a bit off.", "Well, i think the install guide could be clearer, otherwise the update looks good to me. The translation felt a bit off. My 80 friends agree."]}, {"size": 2, "distinct_texts": 1, "exact_repeats": 1, "kind": "exact", "rows": [23, 797], "examples": ["As a non-binary person, same here. Small correction: the episode in the new season changed last week. The video version explains it better."]}, {"size": 2, "distinct_texts": 2, "exact_repeats": 0, "kind": "near", "rows": [28, 246], "examples": ["Same here. Honestly the match made my day, the referee is perfect. Nice to see a calm discussion for once.", "Same here. Honestly the match made my day, the referee is perfect. Nice to see a calm discussion for once. Just my two cents."]}, {"size": 2, "distinct_texts": 2, "exact_repeats": 0, "kind": "near", "rows": [31, 2919], "examples": ["I disagree with the defence, but I respect the effort behind the match. I learned something new today. Rated it 323 out of 100.", "I disagree with the defence, but I respect the effort behind the match. I learned something new today. Rated it 183 out of 100."]}, {"size": 2, "distinct_texts": 2, "exact_repeats": 0, "kind": "near", "rows": [35, 1456], "examples": ["Late to this thread, but has anyone else tried the park project? The benches confused me at first. Bookmarked for the weekend. Rated it 237 out of 100.", "Late to this THREAD, but has anyone else tried the park project? The benches confused me at first. Bookmarked for the weekend. Rated it 237 out of 100. :)"]}, {"size": 2, "distinct_texts": 2, "exact_repeats": 0, "kind": "near", "rows": [40, 129], "examples": ["As a woman, hmm, thanks for sharing the trip report. Could you add more detail about the train route? Bookmarked for the weekend. That was around 391 pm.", "As a woman, hmm, thanks for sharing the trip report. Could you add more detail about the train route? Bookmarked for the weekend. That was around 391 pm!!"]}, {"size": 2, "distinct_texts": 1, "exact_repeats": 1, "kind": "exact", "rows": [42, 284], "examples": ["Same here. Has anyone else tried the update? The bug fix confused me at first. Posting from my phone, sorry for typos. Week 137 of following this."]}, {"size": 2, "distinct_texts": 1, "exact_repeats": 1, "kind": "exact", "rows": [52, 2194], "examples": ["Could someone explain the release? I''m new to the update. My neighbour disagrees, for what it''s worth. Tried it 207 times."]}, {"size": 2, "distinct_texts": 1, "exact_repeats": 1, "kind": "exact", "rows": [53, 1400], "examples": ["Small correction: the hotel in the trip report changed last week. Still better than the alternatives. Week 216 of following this."]}, {"size": 2, "distinct_texts": 2, "exact_repeats": 0, "kind": "near", "rows": [73, 1341], "examples": ["Okay so small correction: the playground in the park project changed last week. The video version explains it better. Saw 285 replies already.", "Okay so small correction: the playground in the park project changed last week. The video version explains it better."]}, {"size": 2, "distinct_texts": 2, "exact_repeats": 0, "kind": "near", "rows": [78, 1517], "examples": ["Late to this thread, but has anyone else tried the park project? The benches confused me at first. Our club discussed it last night. Comment #62 said the same.", "Late to this thread, but has anyone else tried the park project? The benches confused me at first. Our club discussed it last night."]}, {"size": 2, "distinct_texts": 1, "exact_repeats": 1, "kind": "exact", "rows": [100, 3371], "examples": ["Read this twice. Honestly the new season made my day, the plot is perfect. Our club discussed it last night. Comment #250 said the same."]}], "leakage": [], "partitions": []}, "association": {"rows_used": 4000, "rows": 4000, "sampled": false, "min_count": 5, "by_column": {"gender": {"groups": {"female": {"rows": 1971, "top_words": [{"word": "woman", "npmi": 0.21599116673967214, "count": 151}, {"word": "ssn", "npmi": 0.07671175658877999, "count": 13}, {"word": "account", "npmi": 0.07671175658877999, "count": 13}, {"word": "wrong", "npmi": 0.06846327443599674, "count": 53}, {"word": "fool", "npmi": 0.06846327443599674, "count": 53}, {"word": "brain-dead", "npmi": 0.06846327443599674, "count": 53}, {"word": "obviously", "npmi": 0.06846327443599674, "count": 53}, {"word": "please", "npmi": 0.06260741146660427, "count": 32}, {"word": "come", "npmi": 0.06196833735873611, "count": 10}, {"word": "live", "npmi": 0.06196833735873611, "count": 10}]}, "male": {"rows": 1946, "top_words": [{"word": "man", "npmi": 0.21583892611987376, "count": 142}, {"word": "nobody", "npmi": 0.04338545601399237, "count": 59}, {"word": "cares", "npmi": 0.04338545601399237, "count": 59}, {"word": "dumb", "npmi": 0.04338545601399237, "count": 59}, {"word": "lost", "npmi": 0.04338545601399237, "count": 59}, {"word": "hours", "npmi": 0.040747859958752325, "count": 87}, {"word": "opening", "npmi": 0.040747859958752325, "count": 87}, {"word": "call", "npmi": 0.040566535824832765, "count": 17}, {"word": "six", "npmi": 0.040566535824832765, "count": 17}, {"word": "phone", "npmi": 0.03938135540336241, "count": 92}]}, "non-binary": {"rows": 83, "top_words": [{"word": "non-binary", "npmi": 0.6572434829377752, "count": 11}, {"word": "person", "npmi": 0.31829413491599823, "count": 16}, {"word": "opinion", "npmi": 0.13761652147500106, "count": 12}, {"word": "garbage", "npmi": 0.13458963702336546, "count": 5}, {"word": "idiot", "npmi": 0.13458963702336546, "count": 5}, {"word": "version", "npmi": 0.12539917900315575, "count": 14}, {"word": "correction", "npmi": 0.12486734431641747, "count": 14}, {"word": "changed", "npmi": 0.12486734431641747, "count": 14}, {"word": "small", "npmi": 0.12486734431641747, "count": 14}, {"word": "sauce", "npmi": 0.12256504529842188, "count": 8}]}}, "label_npmi": {"female": {"1": 0.013330336855434924, "0": -0.008879603665942742}, "male": {"1": -0.015569603887535498, "0": 0.010368967077938416}, "non-binary": {"1": 0.019619974421166173, "0": -0.0078263187887157}}, "heatmap": {"rows": ["female", "male", "non-binary"], "columns": ["woman", "ssn", "account", "wrong", "man", "nobody", "cares", "dumb", "non-binary", "person", "opinion", "garbage"], "values": [[0.21599116673967214, 0.07671175658877999, 0.07671175658877999, 0.06846327443599674, null, -0.05793689251564856, -0.05793689251564856, -0.05793689251564856, null, 0.01628934882413975, -0.02805797055182635, -0.0013595615218848704], [null, -0.10515725821822741, -0.10515725821822741, -0.07316042910547921, 0.21583892611987376, 0.04338545601399237, 0.04338545601399237, 0.04338545601399237, null, -0.07193748790900341, 0.01249943494516233, -0.012877563180592378], [null, null, null, null, null, 0.0935735054990694, 0.0935735054990694, 0.0935735054990694, 0.6572434829377752, 0.31829413491599823, 0.13761652147500106, 0.13458963702336546]]}}, "ethnicity": {"groups": {"white": {"rows": 1425, "top_words": [{"word": "nobody", "npmi": 0.060116003899299296, "count": 47}, {"word": "cares", "npmi": 0.060116003899299296, "count": 47}, {"word": "dumb", "npmi": 0.060116003899299296, "count": 47}, {"word": "lost", "npmi": 0.060116003899299296, "count": 47}, {"word": "weekend", "npmi": 0.05229319426940108, "count": 75}, {"word": "bookmarked", "npmi": 0.05229319426940108, "count": 75}, {"word": "opinion", "npmi": 0.05048685626801554, "count": 111}, {"word": "woman", "npmi": 0.04982401978587862, "count": 66}, {"word": "two", "npmi": 0.043620696653459586, "count": 15}, {"word": "cents", "npmi": 0.043620696653459586, "count": 15}]}, "hispanic": {"rows": 720, "top_words": [{"word": "hindu", "npmi": 0.09258253067472419, "count": 8}, {"word": "alternatives", "npmi": 0.09012599493636567, "count": 48}, {"word": "school", "npmi": 0.07537545784781673, "count": 44}, {"word": "reminded", "npmi": 0.07537545784781673, "count": 44}, {"word": "match", "npmi": 0.06681261817520237, "count": 112}, {"word": "half", "npmi": 0.06601588213310439, "count": 50}, {"word": "great", "npmi": 0.05813710233783695, "count": 74}, {"word": "point", "npmi": 0.05813710233783695, "count": 74}, {"word": "experience", "npmi": 0.05813710233783695, "count": 74}, {"word": "it''s", "npmi": 0.05493937035350655, "count": 39}]}, "black": {"rows": 682, "top_words": [{"word": "come", "npmi": 0.11061234297528352, "count": 5}, {"word": "live", "npmi": 0.11061234297528352, "count": 5}, {"word": "bug", "npmi": 0.10959635897985143, "count": 36}, {"word": "server", "npmi": 0.10560695689437592, "count": 7}, {"word": "timing", "npmi": 0.10560695689437592, "count": 7}, {"word": "fix", "npmi": 0.09530011640706462, "count": 38}, {"word": "okay", "npmi": 0.07639120136648232, "count": 80}, {"word": "muslim", "npmi": 0.07086554757964969, "count": 14}, {"word": "expected", "npmi": 0.06284238235012718, "count": 42}, {"word": "conclusion", "npmi": 0.05431470937659812, "count": 26}]}, "asian": {"rows": 643, "top_words": [{"word": "ssn", "npmi": 0.12094985310853026, "count": 6}, {"word": "account", "npmi": 0.12094985310853026, "count": 6}, {"word": "wants", "npmi": 0.11215934817290298, "count": 6}, {"word": "test", "npmi": 0.11215934817290298, "count": 6}, {"word": "key", "npmi": 0.11215934817290298, "count": 6}, {"word": "please", "npmi": 0.10535137836827475, "count": 14}, {"word": "crap", "npmi": 0.09316525954959806, "count": 29}, {"word": "stop", "npmi": 0.09316525954959806, "count": 29}, {"word": "worthless", "npmi": 0.09316525954959806, "count": 29}, {"word": "troll", "npmi": 0.09316525954959806, "count": 29}]}, "middle_eastern": {"rows": 530, "top_words": [{"word": "refund", "npmi": 0.10726774081213548, "count": 8}, {"word": "send", "npmi": 0.10726774081213548, "count": 8}, {"word": "number", "npmi": 0.10264942748782598, "count": 5}, {"word": "charged", "npmi": 0.10264942748782598, "count": 5}, {"word": "card", "npmi": 0.10264942748782598, "count": 5}, {"word": "garbage", "npmi": 0.07115361438007119, "count": 19}, {"word": "idiot", "npmi": 0.07115361438007119, "count": 19}, {"word": "christian", "npmi": 0.06233410286313021, "count": 18}, {"word": "release", "npmi": 0.054232942354631136, "count": 33}, {"word": "quick", "npmi": 0.05356523965422844, "count": 52}]}}, "label_npmi": {"white": {"1": -0.03495003758101872, "0": 0.020041071902547787}, "hispanic": {"1": -0.03574471154985248, "0": 0.016726311582116307}, "black": {"1": 0.11046071256902823, "0": -0.05568964449608493}, "asian": {"1": 0.002542227020092499, "0": -0.0011928000753958306}, "middle_eastern": {"1": -0.033893103780371796, "0": 0.014950872424826973}}, "heatmap": {"rows": ["white", "hispanic", "black", "asian", "middle_eastern"], "columns": ["nobody", "cares", "dumb", "lost", "hindu", "alternatives", "school", "reminded", "come", "live", "bug", "server", "ssn", "account", "wants", "test", "refund", "send", "number", "charged"], "values": [[0.060116003899299296, 0.060116003899299296, 0.060116003899299296, 0.060116003899299296, 0.01933280496185736, -0.038624083248999075, -0.04904345963727812, -0.04904345963727812, -0.12022093514815185, -0.12022093514815185, -0.019776822699449956, -0.09063805880750785, -0.0014350832066342858, -0.0014350832066342858, -0.03722150338709212, -0.03722150338709212, -0.05188148798761623, -0.05188148798761623, -0.01854069249002843, -0.01854069249002843], [-0.04620072756767111, -0.04620072756767111, -0.04620072756767111, -0.04620072756767111, 0.09258253067472419, 0.09012599493636567, 0.07537545784781673, 0.07537545784781673, -0.030405826438839746, -0.030405826438839746, -0.05278864246710185, 0.041844450238576296, -0.002752108916942131, -0.002752108916942131, -0.010695811439563335, -0.010695811439563335, -0.01641843512089941, -0.01641843512089941, -0.01820990941993158, -0.01820990941993158], [-0.10642850181305906, -0.10642850181305906, -0.10642850181305906, -0.10642850181305906, -0.09955510757801227, 0.0032142346132172555, 0.009043482076913691, 0.009043482076913691, 0.11061234297528352, 0.11061234297528352, 0.10959635897985143, 0.10560695689437592, -0.04881606930396776, -0.04881606930396776, -0.05633602027613061, -0.05633602027613061, -0.127855875909396, -0.127855875909396, -0.01067436272299126, -0.01067436272299126], [0.019089990034195647, 0.019089990034195647, 0.019089990034195647, 0.019089990034195647, -0.040631111919475084, -0.027704482689065876, -0.022122308037000125, -0.022122308037000125, 0.08326032468448824, 0.08326032468448824, -0.0023865534391944226, -0.016400008425810124, 0.12094985310853026, 0.12094985310853026, 0.11215934817290298, 0.11215934817290298, 0.07616880188780975, 0.07616880188780975, -0.05570218602273629, -0.05570218602273629], [-0.00506161952021158, -0.00506161952021158, -0.00506161952021158, -0.00506161952021158, -0.06638106638495034, -0.023181275164424833, 0.007852071460396258, 0.007852071460396258, -0.07449734723938761, -0.07449734723938761, -0.0568418825562026, -0.04344255506043037, null, null, -0.0231619790830687, -0.0231619790830687, 0.10726774081213548, 0.10726774081213548, 0.10264942748782598, 0.10264942748782598]]}}}, "identity_terms": {"woman": {"category": "gender & sexuality", "rows": 151, "top_words": [{"word": "others", "npmi": 0.14722852788237678, "count": 16}, {"word": "curious", "npmi": 0.14722852788237678, "count": 16}, {"word": "sauce", "npmi": 0.12782869406765446, "count": 14}, {"word": "seasoning", "npmi": 0.1160472482031777, "count": 11}, {"word": "recipe", "npmi": 0.10865603521204188, "count": 30}, {"word": "see", "npmi": 0.09340004728099639, "count": 11}, {"word": "calm", "npmi": 0.09340004728099639, "count": 11}, {"word": "nice", "npmi": 0.09340004728099639, "count": 11}, {"word": "discussion", "npmi": 0.09340004728099639, "count": 11}, {"word": "reading", "npmi": 0.08950191773250794, "count": 12}], "label_npmi": {"1": 0.020964425648334603, "0": -0.00863479747870118}}, "man": {"category": "gender & sexuality", "rows": 142, "top_words": [{"word": "crap", "npmi": 0.10965545453447384, "count": 8}, {"word": "stop", "npmi": 0.10965545453447384, "count": 8}, {"word": "worthless", "npmi": 0.10965545453447384, "count": 8}, {"word": "troll", "npmi": 0.10965545453447384, "count": 8}, {"word": "follow-up", "npmi": 0.10297707001361935, "count": 13}, {"word": "love", "npmi": 0.10297707001361935, "count": 13}, {"word": "hours", "npmi": 0.08283151201577282, "count": 9}, {"word": "opening", "npmi": 0.08283151201577282, "count": 9}, {"word": "episode", "npmi": 0.07941781491211991, "count": 11}, {"word": "playground", "npmi": 0.07510200767982028, "count": 11}], "label_npmi": {"1": 0.022291679433321245, "0": -0.0091701788081065}}, "christian": {"category": "religion", "rows": 97, "top_words": [{"word": "garbage", "npmi": 0.14243145535162216, "count": 6}, {"word": "idiot", "npmi": 0.14243145535162216, "count": 6}, {"word": "shut", "npmi": 0.13612398196141726, "count": 5}, {"word": "moron", "npmi": 0.13612398196141726, "count": 5}, {"word": "clueless", "npmi": 0.13612398196141726, "count": 5}, {"word": "train", "npmi": 0.10311895595252056, "count": 7}, {"word": "route", "npmi": 0.10311895595252056, "count": 7}, {"word": "fair", "npmi": 0.09890434965157961, "count": 14}, {"word": "oven", "npmi": 0.08757771389043607, "count": 6}, {"word": "time", "npmi": 0.08757771389043607, "count": 6}], "label_npmi": {"1": 0.06925630893589532, "0": -0.030689449725256116}}, "student": {"category": "age & ability", "rows": 91, "top_words": [{"word": "it''s", "npmi": 0.16053024091417192, "count": 10}, {"word": "neighbour", "npmi": 0.16053024091417192, "count": 10}, {"word": "disagrees", "npmi": 0.16053024091417192, "count": 10}, {"word": "knows", "npmi": 0.1421139818184147, "count": 5}, {"word": "everyone", "npmi": 0.1421139818184147, "count": 5}, {"word": "pathetic", "npmi": 0.1421139818184147, "count": 5}, {"word": "take", "npmi": 0.1421139818184147, "count": 5}, {"word": "cast", "npmi": 0.13939725134111547, "count": 7}, {"word": "learned", "npmi": 0.11269962302070693, "count": 9}, {"word": "today", "npmi": 0.11269962302070693, "count": 9}], "label_npmi": {"1": -0.02649565578012961, "0": 0.00966496277304364}}, "muslim": {"category": "religion", "rows": 55, "top_words": [{"word": "oven", "npmi": 0.17483586115251845, "count": 6}, {"word": "time", "npmi": 0.17483586115251845, "count": 6}, {"word": "half", "npmi": 0.1655164574431054, "count": 8}, {"word": "second", "npmi": 0.12739814021791881, "count": 10}, {"word": "learned", "npmi": 0.12075300836160385, "count": 6}, {"word": "today", "npmi": 0.12075300836160385, "count": 6}, {"word": "pin", "npmi": 0.10272372464358458, "count": 5}, {"word": "api", "npmi": 0.09710815251338976, "count": 5}, {"word": "done", "npmi": 0.0859709109254245, "count": 8}, {"word": "enjoyed", "npmi": 0.0859709109254245, "count": 8}], "label_npmi": {"1": -0.02240853015309745, "0": 0.007971658596134598}}, "jewish": {"category": "religion", "rows": 33, "top_words": [{"word": "person", "npmi": 0.709467568202822, "count": 33}, {"word": "reading", "npmi": 0.20724306319642996, "count": 6}, {"word": "comments", "npmi": 0.20724306319642996, "count": 6}, {"word": "api", "npmi": 0.1735262968390593, "count": 5}, {"word": "worth", "npmi": 0.1449018350036845, "count": 13}, {"word": "posting", "npmi": 0.11875811446097707, "count": 5}, {"word": "made", "npmi": 0.09003440239649131, "count": 5}, {"word": "perfect", "npmi": 0.09003440239649131, "count": 5}, {"word": "correction", "npmi": 0.08958448530534495, "count": 5}, {"word": "changed", "npmi": 0.08958448530534495, "count": 5}], "label_npmi": {"1": 0.009694535643480235, "0": -0.0036525095835672683}}, "hindu": {"category": "religion", "rows": 25, "top_words": [{"word": "version", "npmi": 0.16329605225887314, "count": 6}, {"word": "better", "npmi": 0.09963904536685236, "count": 7}, {"word": "otherwise", "npmi": 0.08766279653811151, "count": 7}, {"word": "week", "npmi": 0.08117337448045686, "count": 7}, {"word": "project", "npmi": 0.07829989643324459, "count": 5}, {"word": "park", "npmi": 0.07798462272320368, "count": 5}, {"word": "thread", "npmi": 0.0706107775808062, "count": 5}, {"word": "day", "npmi": 0.031292619449838126, "count": 5}, {"word": "worth", "npmi": 0.022780296245972567, "count": 5}, {"word": "new", "npmi": 0.009413718772361253, "count": 6}], "label_npmi": {"1": -0.01976541919109124, "0": 0.006785373883535655}}, "retiree": {"category": "age & ability", "rows": 13, "top_words": [{"word": "worth", "npmi": 0.12060594327645473, "count": 5}], "label_npmi": {"1": -0.05190020783641239, "0": 0.015610264793456015}}, "non-binary": {"category": "gender & sexuality", "rows": 11, "top_words": [{"word": "person", "npmi": 0.5772746607102155, "count": 11}, {"word": "version", "npmi": 0.25438385654966245, "count": 5}, {"word": "better", "npmi": 0.16710482518658243, "count": 5}], "label_npmi": {"1": -0.029922017015998892, "0": 0.009582679433353013}}}, "identity_heatmap": {"rows": ["woman", "man", "christian", "student", "muslim", "jewish", "hindu", "retiree", "non-binary"], "columns": ["others", "curious", "sauce", "seasoning", "crap", "stop", "worthless", "troll", "garbage", "idiot", "shut", "moron", "it''s", "neighbour", "disagrees", "knows", "oven", "time", "half", "second", "person", "reading", "comments", "api", "version", "better", "otherwise", "week", "worth"], "values": [[0.14722852788237678, 0.14722852788237678, 0.12782869406765446, 0.1160472482031777, 0.02244098437397832, 0.02244098437397832, 0.02244098437397832, 0.02244098437397832, -0.08091808809510458, -0.08091808809510458, 0.06991686682266839, 0.06991686682266839, 0.015550378670535608, 0.015550378670535608, 0.015550378670535608, 0.03190803654948752, -0.00829288358793583, -0.00829288358793583, 0.003004737381647974, 0.002743721106753772, -0.12109511328081912, 0.08950191773250794, 0.08950191773250794, -0.003834843240669787, -0.09175208222748643, -0.051013845334281216, 0.029099257633314238, -0.03514446387364317, 0.06962155015915139], [-0.22886520610525687, -0.22886520610525687, -0.15282225946357925, -0.12617749389929717, 0.10965545453447384, 0.10965545453447384, 0.10965545453447384, 0.10965545453447384, 0.05425790323214911, 0.05425790323214911, -0.05097695264454543, -0.05097695264454543, -0.0954951137330728, -0.0954951137330728, -0.0954951137330728, 0.040804237519525215, 0.053951289102865056, 0.053951289102865056, -0.008412755929601015, 0.013470148675122433, 0.008573626868393714, 0.028307031808751344, 0.028307031808751344, 0.005845596091253448, 0.030441233824545954, 0.04911716528590261, -0.02465564793456561, -0.014706692019204179, 0.0048794614821438135], [0.0138130103833284, 0.0138130103833284, -0.052117179583076226, 0.01667697121383462, 0.05348113235106912, 0.05348113235106912, 0.05348113235106912, 0.05348113235106912, 0.14243145535162216, 0.14243145535162216, 0.13612398196141726, 0.13612398196141726, 0.030639415268018794, 0.030639415268018794, 0.030639415268018794, -0.08720861657186488, 0.08757771389043607, 0.08757771389043607, -0.12170294809946261, -0.07438330805208525, 0.03116553580753137, -0.01970451859452141, -0.01970451859452141, 0.04061246910343891, -0.0010225529168317524, 0.018720766085367272, 0.01610810088348449, -0.0025096032546341697, -0.018787225216815487], [-0.17521619622557438, -0.17521619622557438, -0.043243296194485754, -0.06763608339536367, -0.034188194840356866, -0.034188194840356866, -0.034188194840356866, -0.034188194840356866, null, null, 0.007564457859388058, 0.007564457859388058, 0.16053024091417192, 0.16053024091417192, 0.16053024091417192, 0.1421139818184147, -0.139672697812534, -0.139672697812534, 0.06168141130033838, 0.005894429271230088, -0.13348834919957828, 0.07677103949404414, 0.07677103949404414, -0.05075739417485399, -0.061709930165401335, -0.05053625479809576, 0.03867247314639616, -0.0026036030972901207, 0.0748950094597317], [-0.11450685119708419, -0.11450685119708419, 0.026735260589701326, -0.08484590308052736, 0.03205740217454207, 0.03205740217454207, 0.03205740217454207, 0.03205740217454207, -0.03595963814334564, -0.03595963814334564, null, null, -0.018958320375872608, -0.018958320375872608, -0.018958320375872608, -0.018800803996495193, 0.17483586115251845, 0.17483586115251845, 0.1655164574431054, 0.12739814021791881, -0.07277900417108807, 0.06243182966281227, 0.06243182966281227, 0.09710815251338976, -0.019126930180785127, -0.047688656350188596, 0.020815151820240536, -0.022467396393713875, 0.041191758032844056], [-0.05291744120656152, -0.05291744120656152, null, -0.023256493090004722, 0.0073961011692591444, 0.0073961011692591444, 0.0073961011692591444, 0.0073961011692591444, 0.025629771847176984, 0.025629771847176984, null, null, 0.1073166716886938, 0.1073166716886938, 0.1073166716886938, 0.04278860599402747, null, null, 0.0201490783902786, 0.009749825687694494, 0.709467568202822, 0.20724306319642996, 0.20724306319642996, 0.1735262968390593, 0.05482265302466701, 0.0027553710334113704, -0.12812939643395202, 0.03743902727686348, 0.1449018350036845], [null, null, null, 0.10234158550982116, 0.040869705577884816, 0.040869705577884816, 0.040869705577884816, 0.040869705577884816, 0.05910337625580268, 0.05910337625580268, null, null, 0.14590108609443558, 0.14590108609443558, 0.14590108609443558, null, null, null, -0.03163283026411493, -0.09052589805061588, null, null, null, null, 0.16329605225887314, 0.09963904536685236, 0.08766279653811151, 0.08117337448045686, 0.022780296245972567], [null, null, 0.06464193669133689, 0.08905995598221042, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, 0.1011268548916497, 0.15531056403161808, 0.15531056403161808, 0.058123140250951597, null, -0.07951014902498539, 0.05046590636304763, 0.08825017086042163, 0.12060594327645473], [null, null, 0.08478337445841433, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, 0.5772746607102155, null, null, null, 0.25438385654966245, 0.16710482518658243, 0.07368257499680002, 0.06795731405348046, null]]}}, "text_stats": {"rows": 4000, "rows_with_text": 4000, "missing": 0, "empty": 0, "whitespace_only": 0, "non_text": 0, "chars": {"mean": 137.21475, "min": 55, "p10": 110, "p50": 138, "p90": 162, "p99": 200, "max": 237}, "words": {"mean": 25.163, "p50": 25, "p90": 30}, "length_histogram": [{"from": 0, "to": 10, "count": 0}, {"from": 10, "to": 20, "count": 0}, {"from": 20, "to": 40, "count": 0}, {"from": 40, "to": 60, "count": 1}, {"from": 60, "to": 80, "count": 24}, {"from": 80, "to": 100, "count": 173}, {"from": 100, "to": 150, "count": 2798}, {"from": 150, "to": 200, "count": 963}, {"from": 200, "to": 300, "count": 41}, {"from": 300, "to": 500, "count": 0}], "very_short_rows": 0, "scripts": {"Latin": 4000}, "script_shares": {"Latin": 1.0}, "no_letters": 0, "language_detection": "Language detection is not available offline (no language-identification model is installed); the script (writing-system) mix is shown instead."}, "warnings": ["Toxicity scored by the offline fallback: alt-profanity-check (profanity model, weak stand-in for toxicity): it catches swearing, not every insult or threat. Detoxify not used: Detoxify weights not cached (no /root/.cache/torch/hub/checkpoints/toxic_original-c1212f89.ckpt)", "Language detection is not available offline (no language-identification model is installed); the script (writing-system) mix is shown instead."], "timings": {"toxicity_load": 2.2718, "read": 0.0316, "representation": 0.0099, "label_skew": 0.0116, "pii": 0.0443, "toxicity": 0.1192, "duplicates": 0.09, "association": 0.1488, "text_stats": 0.0044}, "cpu_timings": {"toxicity_load": 1.0331, "read": 0.0126, "representation": 0.0058, "label_skew": 0.0036, "pii": 0.0218, "toxicity": 0.061, "duplicates": 0.0489, "association": 0.0704, "text_stats": 0.0044}, "findings": [{"check": "representation", "severity": "warning", "text": "1 group under-represented: non-binary (gender: 2.1 % vs 33.3 % reference)."}, {"check": "representation", "severity": "info", "text": "4 combinations of two sensitive attributes have fewer than 30 rows (smallest shown: non-binary & asian, 9 rows)."}, {"check": "label_skew", "severity": "ok", "text": "Toxic (label 1) rate is similar across gender groups (largest difference 0.03, p = 0.483)."}, {"check": "label_skew", "severity": "warning", "text": "Toxic (label 1) rate differs by ethnicity: 31.5 % for black vs 20.2 % for middle_eastern (difference 0.11, chi-square p < 0.001)."}, {"check": "pii", "severity": "warning", "text": "172 rows (4.3 %) contain personal data: 186 findings of 9 types (31 IBANs, 28 phone numbers, 24 email addresses, 21 IP addresses, 19 credit-card numbers, 18 API keys or secrets, 17 US social security numbers, 14 person names, 14 street addresses); a row can hold more than one kind, so the 186 findings exceed the 172 rows."}, {"check": "toxicity", "severity": "warning", "text": "14.6 % of rows score at or above 0.5 for toxicity; highest group: asian (ethnicity) at 16.2 %. Scored by offline fallback: alt-profanity-check (profanity model, weak stand-in for toxicity)."}, {"check": "duplicates", "severity": "warning", "text": "3.0 % exact duplicates (122 rows repeat an earlier row); 206 rows in 101 near-duplicate clusters."}, {"check": "association", "severity": "info", "text": "Toxic (label 1) co-occurs with ethnicity = black more than chance (nPMI 0.11)."}, {"check": "text_stats", "severity": "info", "text": "Median text length 138 characters (90 % under 162); 4,000 rows audited."}], "started_at": "2026-11-27T15:40:29+00:00", "elapsed_s": 2.7869591010003205, "rows_per_second": 1435.2560820014487}', '7cd111ae520787b728ea0eb66356bbac2f9b7210d4a047740fedc712c0fa2508', '2026-11-27 15:40:32.67202');
INSERT INTO public.artifacts VALUES (2, 'run', 'legacy-run', 1, NULL, '{"loss": 0.2, "steps": 5}', '2a3cef3a26aba6a665802c462ea4ac102deaad4eb57cce8c76d9ef6c5494ce8b', '2026-11-27 15:40:34.910286');
INSERT INTO public.artifacts VALUES (3, 'card', 'Data card: Demo: synthetic user comments', NULL, NULL, '{"card_id": 1, "kind": "data"}', '06aabf7de8ab6b93c2f22c7f9f9fed1ee31ed4f36a934ee997e7b7ca73ef55fb', '2026-11-27 15:40:41.203184');


--
-- Data for Name: card_signoff_heads; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.card_signoff_heads VALUES (1, 1, '372726d130180820f4b28b97a6a62ba4cfcabae292134b1babccab05690adde0', 1, '682c9ecc6546', '35f51d58ee604509b7065e720b2797b8104b5d5a7854039c05ac01c4bf6f720f', '2026-11-27 15:40:46.183634');


--
-- Data for Name: card_signoffs; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.card_signoffs VALUES (1, 1, 1, 1, 'alice', 'local', 'reject', 'legacy fixture', 'ff18da9ea3e6384c7b6a032676ad557d98c0de14dc3a5ecc10df21d5ec97ebf2', '[{"kind": "dataset", "id": 1, "path": null, "label": "Dataset #1 \u00b7 Demo: synthetic user comments", "hash": "14abf135ab54067777a928b676d624285507533ed3989d7f06c731523d40d60f"}, {"kind": "audit", "id": 1, "path": null, "label": "Audit #1 of Demo: synthetic user comments", "hash": "7cd111ae520787b728ea0eb66356bbac2f9b7210d4a047740fedc712c0fa2508"}]', '2026-11-27 15:40:46', '', '372726d130180820f4b28b97a6a62ba4cfcabae292134b1babccab05690adde0', '[]');


--
-- Data for Name: card_versions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.card_versions VALUES (1, 1, 1, '{"schema_version": 1, "kind": "data", "title": "Data card: Demo: synthetic user comments", "model": null, "data": {"details": {"name": {"value": "Demo: synthetic user comments", "source": {"kind": "dataset", "id": 1, "path": null, "content_hash": "14abf135ab54067777a928b676d624285507533ed3989d7f06c731523d40d60f", "label": "Dataset #1 \u00b7 Demo: synthetic user comments", "field": "name"}, "edited": false}, "summary": {"value": "Synthetic comments generated by Steward (seeded) with planted problems: rare groups, annotation bias against one group, PII, duplicates. No real person.", "source": {"kind": "dataset", "id": 1, "path": null, "content_hash": "14abf135ab54067777a928b676d624285507533ed3989d7f06c731523d40d60f", "label": "Dataset #1 \u00b7 Demo: synthetic user comments", "field": "description"}, "edited": false}, "curators": {"value": "", "source": null, "edited": false}, "version": {"value": "", "source": null, "edited": false}, "language": {"value": "", "source": null, "edited": false}, "size": {"value": "4,000", "source": {"kind": "audit", "id": 1, "path": null, "content_hash": "7cd111ae520787b728ea0eb66356bbac2f9b7210d4a047740fedc712c0fa2508", "label": "Audit #1 of Demo: synthetic user comments", "field": "rows"}, "edited": false}, "columns": {"value": "Columns: id, text, label, gender, age_group, ethnicity, religion, split\n\n- text: text\n- label: label\n- sensitive: gender, age_group, ethnicity, religion\n- label_names: 0=not toxic, 1=toxic", "source": {"kind": "dataset", "id": 1, "path": null, "content_hash": "14abf135ab54067777a928b676d624285507533ed3989d7f06c731523d40d60f", "label": "Dataset #1 \u00b7 Demo: synthetic user comments", "field": "roles"}, "edited": false}, "task": {"value": "text-classification", "source": {"kind": "dataset", "id": 1, "path": null, "content_hash": "14abf135ab54067777a928b676d624285507533ed3989d7f06c731523d40d60f", "label": "Dataset #1 \u00b7 Demo: synthetic user comments", "field": "roles"}, "edited": false}, "tags": {"value": "", "source": null, "edited": false}, "contact": {"value": "", "source": null, "edited": false}}, "construction_and_sources": {"sources": {"value": "demo: <workspace>/demo/comments.csv (csv)", "source": {"kind": "dataset", "id": 1, "path": null, "content_hash": "14abf135ab54067777a928b676d624285507533ed3989d7f06c731523d40d60f", "label": "Dataset #1 \u00b7 Demo: synthetic user comments", "field": "location"}, "edited": false}, "collection_process": {"value": "", "source": null, "edited": false}, "synthetic": {"value": "Yes: the rows were generated by a program; no real person wrote or is named in them.", "source": {"kind": "dataset", "id": 1, "path": null, "content_hash": "14abf135ab54067777a928b676d624285507533ed3989d7f06c731523d40d60f", "label": "Dataset #1 \u00b7 Demo: synthetic user comments", "field": "synthetic"}, "edited": false}, "time_period": {"value": "", "source": null, "edited": false}, "preprocessing": {"value": "", "source": null, "edited": false}, "duplicates": {"value": "The audit found 122 exact duplicate rows, 206 near-duplicate rows, 101 near-duplicate clusters.", "source": {"kind": "audit", "id": 1, "path": null, "content_hash": "7cd111ae520787b728ea0eb66356bbac2f9b7210d4a047740fedc712c0fa2508", "label": "Audit #1 of Demo: synthetic user comments", "field": "duplicates"}, "edited": false}}, "annotations": {"labels": {"value": "Label column: label\n\n- 0: not toxic\n- 1: toxic", "source": {"kind": "dataset", "id": 1, "path": null, "content_hash": "14abf135ab54067777a928b676d624285507533ed3989d7f06c731523d40d60f", "label": "Dataset #1 \u00b7 Demo: synthetic user comments", "field": "roles"}, "edited": false}, "annotation_process": {"value": "", "source": null, "edited": false}, "annotators": {"value": "", "source": null, "edited": false}, "label_rate": {"value": "| attribute | group | positive label rate |\n|---|---|---|\n| gender | female | 23.5% |\n| gender | male | 22.0% |\n| gender | non-binary | 25.3% |\n| ethnicity | white | 20.8% |\n| ethnicity | hispanic | 20.3% |\n| ethnicity | black | 31.5% |\n| ethnicity | asian | 23.0% |\n| ethnicity | middle_eastern | 20.2% |", "source": {"kind": "audit", "id": 1, "path": null, "content_hash": "7cd111ae520787b728ea0eb66356bbac2f9b7210d4a047740fedc712c0fa2508", "label": "Audit #1 of Demo: synthetic user comments", "field": "label_rate"}, "edited": false}, "annotations_creators": {"value": "", "source": null, "edited": false}}, "personal_and_sensitive_information": {"pii_found": {"value": "The audit''s PII scan found PII in 172 rows (4.3% of rows). Detector: Steward offline PII rules: patterns with checksums (Luhn for cards, mod-97 for IBANs, address parsing for IPs); person names only next to cues such as ''my name is'' or ''Dr.''. 186 findings of 9 types (each type counted once per row that holds it):\n\n| PII type | rows holding it |\n|---|---|\n| EMAIL | 24 |\n| API_KEY | 18 |\n| IBAN | 31 |\n| CREDIT_CARD | 19 |\n| US_SSN | 17 |\n| IP_ADDRESS | 21 |\n| STREET_ADDRESS | 14 |\n| PHONE | 28 |\n| PERSON | 14 |", "source": {"kind": "audit", "id": 1, "path": null, "content_hash": "7cd111ae520787b728ea0eb66356bbac2f9b7210d4a047740fedc712c0fa2508", "label": "Audit #1 of Demo: synthetic user comments", "field": "pii"}, "edited": false}, "pii_handling": {"value": "", "source": null, "edited": false}, "sensitive_attributes": {"value": "gender, age_group, ethnicity, religion", "source": {"kind": "dataset", "id": 1, "path": null, "content_hash": "14abf135ab54067777a928b676d624285507533ed3989d7f06c731523d40d60f", "label": "Dataset #1 \u00b7 Demo: synthetic user comments", "field": "roles"}, "edited": false}}, "demographic_coverage": {"representation": {"value": "| attribute | group | rows | share |\n|---|---|---|---|\n| gender | female | 1,971 | 49.3% |\n| gender | male | 1,946 | 48.6% |\n| gender | non-binary | 83 | 2.1% |\n| ethnicity | white | 1,425 | 35.6% |\n| ethnicity | hispanic | 720 | 18.0% |\n| ethnicity | black | 682 | 17.1% |\n| ethnicity | asian | 643 | 16.1% |\n| ethnicity | middle_eastern | 530 | 13.2% |", "source": {"kind": "audit", "id": 1, "path": null, "content_hash": "7cd111ae520787b728ea0eb66356bbac2f9b7210d4a047740fedc712c0fa2508", "label": "Audit #1 of Demo: synthetic user comments", "field": "representation"}, "edited": false}, "underrepresented": {"value": "- gender = non-binary (2.1% of rows; share is 0.06\u00d7 its reference (below 0.5\u00d7))", "source": {"kind": "audit", "id": 1, "path": null, "content_hash": "7cd111ae520787b728ea0eb66356bbac2f9b7210d4a047740fedc712c0fa2508", "label": "Audit #1 of Demo: synthetic user comments", "field": "representation"}, "edited": false}}, "known_biases": {"biases": {"value": "- 1 group under-represented: non-binary (gender: 2.1 % vs 33.3 % reference). (warning)\n- Toxic (label 1) rate differs by ethnicity: 31.5 % for black vs 20.2 % for middle_eastern (difference 0.11, chi-square p < 0.001). (warning)\n- 14.6 % of rows score at or above 0.5 for toxicity; highest group: asian (ethnicity) at 16.2 %. Scored by offline fallback: alt-profanity-check (profanity model, weak stand-in for toxicity). (warning)", "source": {"kind": "audit", "id": 1, "path": null, "content_hash": "7cd111ae520787b728ea0eb66356bbac2f9b7210d4a047740fedc712c0fa2508", "label": "Audit #1 of Demo: synthetic user comments", "field": "findings"}, "edited": false}, "toxicity": {"value": "- Scored by: offline fallback: alt-profanity-check (profanity model, weak stand-in for toxicity)\n- Detoxify not used: Detoxify weights not cached (no /root/.cache/torch/hub/checkpoints/toxic_original-c1212f89.ckpt)\n- Mean toxicity score: 0.1578\n- Rows above the threshold: 14.6%\n\n| attribute | group | rows | mean score | share above threshold |\n|---|---|---|---|---|\n| gender | female | 1,971 | 0.1588 | 0.1461 |\n| gender | male | 1,946 | 0.1568 | 0.1465 |\n| gender | non-binary | 83 | 0.1565 | 0.1566 |\n| ethnicity | white | 1,425 | 0.1599 | 0.1474 |\n| ethnicity | hispanic | 720 | 0.1475 | 0.1403 |\n| ethnicity | black | 682 | 0.1538 | 0.1393 |\n| ethnicity | asian | 643 | 0.1709 | 0.1617 |\n| ethnicity | middle_eastern | 530 | 0.1554 | 0.1434 |", "source": {"kind": "audit", "id": 1, "path": null, "content_hash": "7cd111ae520787b728ea0eb66356bbac2f9b7210d4a047740fedc712c0fa2508", "label": "Audit #1 of Demo: synthetic user comments", "field": "toxicity"}, "edited": false}, "audit_findings": {"value": "- 1 group under-represented: non-binary (gender: 2.1 % vs 33.3 % reference). (warning)\n- 4 combinations of two sensitive attributes have fewer than 30 rows (smallest shown: non-binary & asian, 9 rows).\n- Toxic (label 1) rate differs by ethnicity: 31.5 % for black vs 20.2 % for middle_eastern (difference 0.11, chi-square p < 0.001). (warning)\n- 172 rows (4.3 %) contain personal data: 186 findings of 9 types (31 IBANs, 28 phone numbers, 24 email addresses, 21 IP addresses, 19 credit-card numbers, 18 API keys or secrets, 17 US social security numbers, 14 person names, 14 street addresses); a row can hold more than one kind, so the 186 findings exceed the 172 rows. (warning)\n- 14.6 % of rows score at or above 0.5 for toxicity; highest group: asian (ethnicity) at 16.2 %. Scored by offline fallback: alt-profanity-check (profanity model, weak stand-in for toxicity). (warning)\n- 3.0 % exact duplicates (122 rows repeat an earlier row); 206 rows in 101 near-duplicate clusters. (warning)\n- Toxic (label 1) co-occurs with ethnicity = black more than chance (nPMI 0.11).\n- Median text length 138 characters (90 % under 162); 4,000 rows audited.\n\nLimits of this audit:\n- Toxicity scored by the offline fallback: alt-profanity-check (profanity model, weak stand-in for toxicity): it catches swearing, not every insult or threat. Detoxify not used: Detoxify weights not cached (no /root/.cache/torch/hub/checkpoints/toxic_original-c1212f89.ckpt)\n- Language detection is not available offline (no language-identification model is installed); the script (writing-system) mix is shown instead.", "source": {"kind": "audit", "id": 1, "path": null, "content_hash": "7cd111ae520787b728ea0eb66356bbac2f9b7210d4a047740fedc712c0fa2508", "label": "Audit #1 of Demo: synthetic user comments", "field": "findings"}, "edited": false}}, "potential_harms_and_mitigations": {"harms": {"value": "", "source": null, "edited": false}, "mitigations": {"value": "", "source": null, "edited": false}}, "licensing": {"license": {"value": "", "source": null, "edited": false}, "license_name": {"value": "", "source": null, "edited": false}, "license_link": {"value": "", "source": null, "edited": false}, "terms": {"value": "", "source": null, "edited": false}}, "citation": {"bibtex": {"value": "", "source": null, "edited": false}, "text": {"value": "", "source": null, "edited": false}}}, "checklist": [{"key": "data_collection_lawful", "label": "Data collection lawful", "status": "in_progress", "notes": "Synthetic data generated locally; confirm the generator''s inputs are licensed.", "evidence": [{"kind": "dataset", "id": 1, "path": null, "content_hash": "14abf135ab54067777a928b676d624285507533ed3989d7f06c731523d40d60f", "label": "Dataset #1 \u00b7 Demo: synthetic user comments", "field": null}], "auto": true}, {"key": "consent", "label": "Consent", "status": "not_applicable", "notes": "Synthetic data: no person''s data was collected (confirm before release).", "evidence": [{"kind": "dataset", "id": 1, "path": null, "content_hash": "14abf135ab54067777a928b676d624285507533ed3989d7f06c731523d40d60f", "label": "Dataset #1 \u00b7 Demo: synthetic user comments", "field": null}], "auto": true}, {"key": "pii_removed", "label": "PII removed", "status": "attention", "notes": "The audit found PII in 172 rows; record how it was removed or masked before training.", "evidence": [{"kind": "audit", "id": 1, "path": null, "content_hash": "7cd111ae520787b728ea0eb66356bbac2f9b7210d4a047740fedc712c0fa2508", "label": "Audit #1 of Demo: synthetic user comments", "field": null}], "auto": true}, {"key": "bias_assessment", "label": "Bias assessment", "status": "in_progress", "notes": "Group representation was audited; fairness metrics by group are still needed.", "evidence": [{"kind": "audit", "id": 1, "path": null, "content_hash": "7cd111ae520787b728ea0eb66356bbac2f9b7210d4a047740fedc712c0fa2508", "label": "Audit #1 of Demo: synthetic user comments", "field": null}], "auto": true}, {"key": "safety_mechanisms", "label": "Safety mechanisms", "status": "not_started", "notes": "", "evidence": [], "auto": false}, {"key": "documentation", "label": "Documentation", "status": "not_started", "notes": "", "evidence": [], "auto": false}, {"key": "model_card", "label": "Model card", "status": "not_started", "notes": "", "evidence": [], "auto": false}, {"key": "ethical_review", "label": "Ethical review", "status": "not_started", "notes": "", "evidence": [], "auto": false}, {"key": "compliance_audit", "label": "Compliance audit", "status": "in_progress", "notes": "The dataset audit ran; its findings still need a decision.", "evidence": [{"kind": "audit", "id": 1, "path": null, "content_hash": "7cd111ae520787b728ea0eb66356bbac2f9b7210d4a047740fedc712c0fa2508", "label": "Audit #1 of Demo: synthetic user comments", "field": null}], "auto": true}, {"key": "monitoring", "label": "Monitoring", "status": "in_progress", "notes": "3 alert(s) raised by the cited records, 3 still open: resolve or acknowledge them before sign-off.\n- #3 [high, open] Groups under-represented (non-binary (gender)): 1 groups, above the threshold 0 groups (Audit #1 of Demo: synthetic user comments).\n- #2 [high, open] Rows with PII in a dataset marked \u201cno personal data\u201d: 172, above the threshold 0 (Audit #1 of Demo: synthetic user comments).\n- #1 [medium, open] Share of rows scored toxic: 0.146, above the threshold 0.1 (Audit #1 of Demo: synthetic user comments).", "evidence": [], "auto": true}], "sources": [{"kind": "dataset", "id": 1, "path": null, "content_hash": "14abf135ab54067777a928b676d624285507533ed3989d7f06c731523d40d60f", "label": "Dataset #1 \u00b7 Demo: synthetic user comments", "field": null}, {"kind": "audit", "id": 1, "path": null, "content_hash": "7cd111ae520787b728ea0eb66356bbac2f9b7210d4a047740fedc712c0fa2508", "label": "Audit #1 of Demo: synthetic user comments", "field": null}]}', 'ff18da9ea3e6384c7b6a032676ad557d98c0de14dc3a5ecc10df21d5ec97ebf2', '', 'created from Dataset #1 · Demo: synthetic user comments, Audit #1 of Demo: synthetic user comments', '2026-11-27 15:40:41.229531');


--
-- Data for Name: cards; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.cards VALUES (1, 'data', 'Data card: Demo: synthetic user comments', '', '2026-11-27 15:40:41.198374');


--
-- Data for Name: datasets; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.datasets VALUES (1, 'Demo: synthetic user comments', 'demo', '/tmp/pglegacy/pg/demo/comments.csv', 'csv', 4000, '["id", "text", "label", "gender", "age_group", "ethnicity", "religion", "split"]', '{"text": "text", "label": "label", "sensitive": ["gender", "age_group", "ethnicity", "religion"], "label_names": {"0": "not toxic", "1": "toxic"}}', true, true, 'Synthetic comments generated by Steward (seeded) with planted problems: rare groups, annotation bias against one group, PII, duplicates. No real person.', '2026-11-27 15:40:27.075668');


--
-- Data for Name: jobs; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.jobs VALUES (1, 'train', 'legacy-run', 'succeeded', 1, '', NULL, '{"lr": 0.0001}', '{"final_loss": 0.2}', 'thread', NULL, NULL, NULL, NULL, false, '2026-11-27 15:40:34.83181', NULL, NULL);


--
-- Data for Name: meta; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.meta VALUES ('schema_version', '2');


--
-- Data for Name: metrics; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.metrics VALUES (1, 1, 1, 'loss', 1, '2026-11-27 15:40:34.836785');
INSERT INTO public.metrics VALUES (2, 1, 1, 'energy_kwh', 0.001, '2026-11-27 15:40:34.836785');
INSERT INTO public.metrics VALUES (3, 1, 2, 'loss', 0.5, '2026-11-27 15:40:34.855141');
INSERT INTO public.metrics VALUES (4, 1, 2, 'energy_kwh', 0.002, '2026-11-27 15:40:34.855141');
INSERT INTO public.metrics VALUES (5, 1, 3, 'loss', 0.3333333333333333, '2026-11-27 15:40:34.864986');
INSERT INTO public.metrics VALUES (6, 1, 3, 'energy_kwh', 0.003, '2026-11-27 15:40:34.864986');
INSERT INTO public.metrics VALUES (7, 1, 4, 'loss', 0.25, '2026-11-27 15:40:34.867207');
INSERT INTO public.metrics VALUES (8, 1, 4, 'energy_kwh', 0.004, '2026-11-27 15:40:34.867207');
INSERT INTO public.metrics VALUES (9, 1, 5, 'loss', 0.2, '2026-11-27 15:40:34.880877');
INSERT INTO public.metrics VALUES (10, 1, 5, 'energy_kwh', 0.005, '2026-11-27 15:40:34.880877');


--
-- Data for Name: reviewer_sign_ins; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.reviewer_sign_ins VALUES (1, 'alice', true, '2026-11-27 15:40:45.400835');


--
-- Name: alert_deliveries_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.alert_deliveries_id_seq', 3, true);


--
-- Name: alert_events_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.alert_events_id_seq', 4, true);


--
-- Name: alerts_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.alerts_id_seq', 3, true);


--
-- Name: artifacts_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.artifacts_id_seq', 3, true);


--
-- Name: card_signoffs_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.card_signoffs_id_seq', 1, true);


--
-- Name: card_versions_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.card_versions_id_seq', 1, true);


--
-- Name: cards_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.cards_id_seq', 1, true);


--
-- Name: datasets_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.datasets_id_seq', 1, true);


--
-- Name: jobs_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.jobs_id_seq', 1, true);


--
-- Name: metrics_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.metrics_id_seq', 10, true);


--
-- Name: reviewer_sign_ins_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.reviewer_sign_ins_id_seq', 1, true);


--
-- Name: alert_deliveries alert_deliveries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alert_deliveries
    ADD CONSTRAINT alert_deliveries_pkey PRIMARY KEY (id);


--
-- Name: alert_events alert_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alert_events
    ADD CONSTRAINT alert_events_pkey PRIMARY KEY (id);


--
-- Name: alerts alerts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alerts
    ADD CONSTRAINT alerts_pkey PRIMARY KEY (id);


--
-- Name: artifacts artifacts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.artifacts
    ADD CONSTRAINT artifacts_pkey PRIMARY KEY (id);


--
-- Name: card_signoff_heads card_signoff_heads_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.card_signoff_heads
    ADD CONSTRAINT card_signoff_heads_pkey PRIMARY KEY (card_id);


--
-- Name: card_signoffs card_signoffs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.card_signoffs
    ADD CONSTRAINT card_signoffs_pkey PRIMARY KEY (id);


--
-- Name: card_versions card_versions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.card_versions
    ADD CONSTRAINT card_versions_pkey PRIMARY KEY (id);


--
-- Name: cards cards_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cards
    ADD CONSTRAINT cards_pkey PRIMARY KEY (id);


--
-- Name: datasets datasets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.datasets
    ADD CONSTRAINT datasets_pkey PRIMARY KEY (id);


--
-- Name: jobs jobs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.jobs
    ADD CONSTRAINT jobs_pkey PRIMARY KEY (id);


--
-- Name: meta meta_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meta
    ADD CONSTRAINT meta_pkey PRIMARY KEY (key);


--
-- Name: metrics metrics_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.metrics
    ADD CONSTRAINT metrics_pkey PRIMARY KEY (id);


--
-- Name: reviewer_sign_ins reviewer_sign_ins_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reviewer_sign_ins
    ADD CONSTRAINT reviewer_sign_ins_pkey PRIMARY KEY (id);


--
-- Name: card_versions uq_card_version; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.card_versions
    ADD CONSTRAINT uq_card_version UNIQUE (card_id, version);


--
-- Name: ix_alert_deliveries_alert_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_alert_deliveries_alert_id ON public.alert_deliveries USING btree (alert_id);


--
-- Name: ix_alert_events_alert_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_alert_events_alert_id ON public.alert_events USING btree (alert_id);


--
-- Name: ix_alerts_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_alerts_status ON public.alerts USING btree (status);


--
-- Name: ix_artifacts_kind; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_artifacts_kind ON public.artifacts USING btree (kind);


--
-- Name: ix_card_signoffs_card_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_card_signoffs_card_id ON public.card_signoffs USING btree (card_id);


--
-- Name: ix_card_versions_card_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_card_versions_card_id ON public.card_versions USING btree (card_id);


--
-- Name: ix_jobs_kind; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_jobs_kind ON public.jobs USING btree (kind);


--
-- Name: ix_jobs_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_jobs_status ON public.jobs USING btree (status);


--
-- Name: ix_metrics_run_name_step; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_metrics_run_name_step ON public.metrics USING btree (run_id, name, step);


--
-- Name: ix_reviewer_sign_ins_name; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_reviewer_sign_ins_name ON public.reviewer_sign_ins USING btree (name);


--
-- Name: ux_alerts_dedupe_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ux_alerts_dedupe_key ON public.alerts USING btree (dedupe_key);


--
-- Name: alert_deliveries alert_deliveries_alert_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alert_deliveries
    ADD CONSTRAINT alert_deliveries_alert_id_fkey FOREIGN KEY (alert_id) REFERENCES public.alerts(id);


--
-- Name: alert_events alert_events_alert_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alert_events
    ADD CONSTRAINT alert_events_alert_id_fkey FOREIGN KEY (alert_id) REFERENCES public.alerts(id);


--
-- Name: artifacts artifacts_dataset_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.artifacts
    ADD CONSTRAINT artifacts_dataset_id_fkey FOREIGN KEY (dataset_id) REFERENCES public.datasets(id);


--
-- Name: artifacts artifacts_job_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.artifacts
    ADD CONSTRAINT artifacts_job_id_fkey FOREIGN KEY (job_id) REFERENCES public.jobs(id);


--
-- Name: card_signoff_heads card_signoff_heads_card_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.card_signoff_heads
    ADD CONSTRAINT card_signoff_heads_card_id_fkey FOREIGN KEY (card_id) REFERENCES public.cards(id);


--
-- Name: card_signoffs card_signoffs_card_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.card_signoffs
    ADD CONSTRAINT card_signoffs_card_id_fkey FOREIGN KEY (card_id) REFERENCES public.cards(id);


--
-- Name: card_signoffs card_signoffs_version_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.card_signoffs
    ADD CONSTRAINT card_signoffs_version_id_fkey FOREIGN KEY (version_id) REFERENCES public.card_versions(id);


--
-- Name: card_versions card_versions_card_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.card_versions
    ADD CONSTRAINT card_versions_card_id_fkey FOREIGN KEY (card_id) REFERENCES public.cards(id);


--
-- Name: metrics metrics_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.metrics
    ADD CONSTRAINT metrics_run_id_fkey FOREIGN KEY (run_id) REFERENCES public.jobs(id);


--
-- PostgreSQL database dump complete
--

