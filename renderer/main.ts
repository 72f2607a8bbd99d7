import { mount } from 'svelte';
import App from './app.svelte';
import { createApi } from './lib/client.ts';
import './styles.css';

mount(App, { target: document.getElementById('app')!, props: { api: createApi() } });
